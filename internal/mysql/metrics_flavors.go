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

import "strings"

// mariaDBMetrics reads the default connection only, like Status: the operator never configures
// named (multi-source) connections, and SHOW SLAVE STATUS already has mysqld_exporter's names.
var mariaDBMetrics = metricsSQL{
	replicaStatus: statement("SHOW SLAVE STATUS"),
	replicaRow:    firstRow,
}

// mySQLMetrics: MySQL 8.4 has only SHOW REPLICA STATUS (8.0.22+), whose columns renamed the words
// Master and Slave to Source and Replica (Seconds_Behind_Source, Replica_IO_Running,
// Read_Source_Log_Pos…). The operator replicates over the default channel ("").
var mySQLMetrics = metricsSQL{
	replicaStatus: statement("SHOW REPLICA STATUS"),
	replicaRow:    mySQLReplicaRow,
}

func mySQLReplicaRow(rows []row) row {
	for _, r := range rows {
		if r.str("Channel_Name") == "" {
			return mySQLOldColumnNames(r)
		}
	}
	return nil
}

// mySQLOldColumnNames maps the 8.0.22+ column names back word by word: Source → Master,
// Replica → Slave (whole words only: Replicate_Do_DB keeps its name).
func mySQLOldColumnNames(r row) row {
	out := make(row, len(r))
	for col, v := range r {
		words := strings.Split(col, "_")
		for i, w := range words {
			switch w {
			case "Source":
				words[i] = "Master"
			case "Replica":
				words[i] = "Slave"
			}
		}
		out[strings.Join(words, "_")] = v
	}
	return out
}
