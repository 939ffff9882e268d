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

package simmember

import (
	"regexp"
	"strings"
)

// rule answers the statements its pattern matches (case-insensitive, on
// the statement with runs of white space made one space).
type rule struct {
	re *regexp.Regexp
	fn func(f *Fleet, s *session, g []string) (Result, error)
}

func r(pattern string, fn func(f *Fleet, s *session, g []string) (Result, error)) rule {
	return rule{re: regexp.MustCompile(`(?is)^` + pattern + `$`), fn: fn}
}

// quoted matches one SQL string literal as the driver interpolates it.
const quoted = `'((?:[^'\\]|\\.|'')*)'`

// rules are every statement of internal/mysql's MariaDB flavor that the
// operator sends (and the agent's few), in the order they are tried.
var rules []rule

func init() {
	rules = []rule{
		r(`SELECT 1`, func(*Fleet, *session, []string) (Result, error) { return one("1", "1"), nil }),
		r(`SELECT CONNECTION_ID\(\) AS (\w+)`, selectConnectionID),
		r(`SELECT ROW_COUNT\(\) AS (\w+)`, selectRowCount),
		r(`SELECT MASTER_GTID_WAIT\(`+quoted+`, ([0-9.]+)\)`, masterGTIDWait),
		r(`SELECT (@@.*)`, selectVariables),
		r(`SHOW SLAVE STATUS`, showSlaveStatus),
		r(`SHOW GLOBAL (VARIABLES|STATUS)(?: LIKE `+quoted+`)?`, showGlobals),
		r(`SHOW BINARY LOGS`, showBinaryLogs),
		r(`SET STATEMENT .+? FOR (SET GLOBAL .*)`, setStatementFor),
		r(`SET GLOBAL gtid_slave_pos = @@gtid_current_pos`, setSlavePosCurrent),
		r(`SET GLOBAL (gtid_slave_pos|gtid_binlog_state) = `+quoted, setGTIDVariable),
		r(`SET GLOBAL (\w+) = (.+)`, setGlobal),
		r(`SET SESSION \w+ = .+`, ok),
		r(`STOP SLAVE`, stopSlave),
		r(`STOP SLAVE IO_THREAD`, stopSlaveIO),
		r(`START SLAVE`, startSlave),
		r(`RESET SLAVE ALL`, resetSlaveAll),
		r(`RESET MASTER`, resetMaster),
		r(`CHANGE MASTER TO (.+)`, changeMaster),
		r(`REPLACE INTO ordinal\.heartbeat \(id, beat\) SELECT 1, NOW\(6\) FROM DUAL WHERE @@global\.read_only = 0`, heartbeat),
		r("CREATE DATABASE IF NOT EXISTS `?(\\w+)`?", createDatabase),
		r(`CREATE TABLE IF NOT EXISTS (\w+\.\w+) \(.*\)`, createTable),
		r(`SELECT ID AS id, USER AS user, IFNULL\(STATE, ''\) AS state FROM information_schema\.PROCESSLIST WHERE .*`, listAwaiting),
		r(`SELECT ID AS id, IFNULL\(STATE, ''\) AS state, IFNULL\(LEFT\(INFO, 64\), ''\) AS info, TIME AS secs `+
			`FROM information_schema\.PROCESSLIST WHERE .*`, listAwaitingProbes),
		r(`KILL CONNECTION (\d+)`, killConnection),
		r(`SELECT COUNT\(\*\) AS (\w+) FROM mysql\.user WHERE User = `+quoted+` AND Host = `+quoted, countUser),
		r(`SELECT User AS user, Host AS host FROM mysql\.(?:user|global_priv) WHERE .*`, emptySet("user", "host")),
		r(`CREATE USER (?:IF NOT EXISTS )?`+quoted+`@`+quoted+`(?: IDENTIFIED BY .*)?`, createUser),
		r(`(?:ALTER USER|DROP USER|GRANT|REVOKE) .+`, ok),
		r(`FLUSH BINARY LOGS`, ok),
		r(`PURGE BINARY LOGS TO `+quoted, ok),
	}
}

var spaces = regexp.MustCompile(`\s+`)

// exec answers one COM_QUERY; a statement no rule matches is an error the
// fleet counts.
func (f *Fleet) exec(s *session, sql string) (Result, error) {
	q := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(sql), ";"))
	q = spaces.ReplaceAllString(q, " ")
	for _, ru := range rules {
		if g := ru.re.FindStringSubmatch(q); g != nil {
			return ru.fn(f, s, g)
		}
	}
	f.stats.addUnknown(q)
	f.log.Warn("Unknown statement", "member", s.m.key, "sql", q)
	return Result{}, &SQLError{Number: 1064, State: "42000", Msg: "simmember does not know this statement: " + q}
}

func ok(*Fleet, *session, []string) (Result, error) { return Result{}, nil }

func emptySet(cols ...string) func(*Fleet, *session, []string) (Result, error) {
	return func(*Fleet, *session, []string) (Result, error) {
		return Result{Columns: cols, Rows: [][]*string{}}, nil
	}
}

// one is a result of one row and one column.
func one(col, val string) Result {
	return Result{Columns: []string{col}, Rows: [][]*string{{&val}}}
}

// unquote undoes the driver's escaping of a string literal.
func unquote(s string) string {
	if !strings.ContainsAny(s, `\'`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == '\\' || (c == '\'' && i+1 < len(s) && s[i+1] == '\'')) && i+1 < len(s) {
			i++
			c = s[i]
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case '0':
				c = 0
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
