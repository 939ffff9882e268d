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

package mysql

import (
	"context"
	"testing"
	"time"
)

func TestServedCertificateExpiryReadsOpenSSLTime(t *testing.T) {
	for v, want := range map[string]time.Time{
		"Dec  1 12:00:00 2027 GMT": time.Date(2027, 12, 1, 12, 0, 0, 0, time.UTC),
		"Mar 11 08:05:09 2026 GMT": time.Date(2026, 3, 11, 8, 5, 9, 0, time.UTC),
		"":                         {},
	} {
		cl, rec := testClient(MariaDB)
		rec.rows["SHOW GLOBAL STATUS LIKE 'Ssl_server_not_after'"] = []row{mkRow("Variable_name", "Ssl_server_not_after", "Value", v)}
		got, err := cl.ServedCertificateExpiry(context.Background())
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v, %v; want %v", v, got, err, want)
		}
	}
	cl, rec := testClient(MySQL)
	rec.rows["SHOW GLOBAL STATUS LIKE 'Ssl_server_not_after'"] = []row{mkRow("Variable_name", "Ssl_server_not_after", "Value", "2027-12-01")}
	if _, err := cl.ServedCertificateExpiry(context.Background()); err == nil {
		t.Error("an unreadable expiry was accepted")
	}
}
