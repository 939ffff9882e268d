/*
Copyright 2026 The Ordinal Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import "testing"

func TestRolloutGateOneClusterAtATime(t *testing.T) {
	var g rolloutGate
	if ok, _ := g.acquire("ns/a"); !ok {
		t.Fatal("a free gate is given")
	}
	if ok, _ := g.acquire("ns/a"); !ok {
		t.Fatal("the holder keeps it on its next pass")
	}
	if ok, holder := g.acquire("ns/b"); ok || holder != "ns/a" {
		t.Fatalf("a second cluster got the gate (holder %q)", holder)
	}
	g.release("ns/b") // not the holder: nothing happens
	if ok, _ := g.acquire("ns/b"); ok {
		t.Fatal("released by a cluster that did not hold it")
	}
	g.release("ns/a")
	if ok, _ := g.acquire("ns/b"); !ok {
		t.Fatal("the next cluster gets the gate once the first is done")
	}
}
