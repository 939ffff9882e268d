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
	"strconv"
	"strings"
	"time"
)

func selectConnectionID(_ *Fleet, s *session, g []string) (Result, error) {
	return one(g[1], strconv.FormatUint(uint64(s.id), 10)), nil
}

func selectRowCount(_ *Fleet, s *session, g []string) (Result, error) {
	return one(g[1], strconv.FormatInt(s.rowCount, 10)), nil
}

// selectVariables answers SELECT @@a [AS x], @@global.b [AS y], ... where
// an item may also be (SELECT VARIABLE_VALUE FROM
// information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'name') [AS z].
func selectVariables(f *Fleet, s *session, g []string) (Result, error) {
	f.refresh(s.m, 0)
	var status map[string]string
	var res Result
	var row []*string
	for _, item := range splitTopLevel(g[1]) {
		expr, alias := splitAlias(strings.TrimSpace(item))
		var v string
		var ok bool
		if sm := statusItem.FindStringSubmatch(expr); sm != nil {
			if status == nil {
				status = f.status(s.m)
			}
			v, ok = lookupFold(status, unquote(sm[1]))
		} else if strings.HasPrefix(expr, "@@") {
			s.m.mu.Lock()
			v, ok = s.m.variable(strings.TrimPrefix(expr, "@@"))
			s.m.mu.Unlock()
		}
		if !ok {
			f.stats.addUnknown("SELECT " + g[1])
			return Result{}, &SQLError{Number: 1193, State: "HY000", Msg: "Unknown system variable or status '" + expr + "'"}
		}
		res.Columns = append(res.Columns, alias)
		row = append(row, &v)
	}
	res.Rows = [][]*string{row}
	return res, nil
}

var (
	statusItem = regexp.MustCompile(`(?i)^\(SELECT VARIABLE_VALUE FROM information_schema\.GLOBAL_STATUS WHERE VARIABLE_NAME = ` + quoted + `\)$`)
	aliasRe    = regexp.MustCompile(`(?i)^(.*?)\s+AS\s+(\w+)$`)
)

// splitAlias cuts "expr AS alias"; without an alias the column is named
// after the expression.
func splitAlias(item string) (string, string) {
	if m := aliasRe.FindStringSubmatch(item); m != nil {
		return strings.TrimSpace(m[1]), m[2]
	}
	return item, item
}

// splitTopLevel splits at commas outside parentheses and quotes.
func splitTopLevel(s string) []string {
	var out []string
	depth, start, inQuote := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '\'':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func lookupFold(m map[string]string, name string) (string, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// showSlaveStatus has a row once CHANGE MASTER ran (until RESET SLAVE ALL).
func showSlaveStatus(f *Fleet, s *session, _ []string) (Result, error) {
	f.refresh(s.m, 0)
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	cols := []string{"Slave_IO_State", "Master_Host", "Master_User", "Master_Port", "Connect_Retry",
		"Slave_IO_Running", "Slave_SQL_Running", "Last_Errno", "Last_Error", "Seconds_Behind_Master",
		"Last_IO_Errno", "Last_IO_Error", "Last_SQL_Errno", "Last_SQL_Error", "Master_Server_Id",
		"Using_Gtid", "Gtid_IO_Pos", "Gtid_Slave_Pos"}
	if m.source == nil {
		return Result{Columns: cols, Rows: [][]*string{}}, nil
	}
	str := func(v string) *string { return &v }
	io := "No"
	if m.ioOn {
		io = m.ioState
	}
	var lag *string
	if io == "Yes" && m.sqlOn {
		lag = str("0")
	}
	state := map[string]string{"Yes": "Waiting for master to send event", "Connecting": "Reconnecting after a failed master event read"}[io]
	row := []*string{str(state), str(m.source.host), str(m.source.user), str(strconv.Itoa(m.source.port)), str("1"),
		str(io), str(yesNo(m.sqlOn)), str("0"), str(""), lag,
		str(strconv.Itoa(m.ioErrno)), str(m.ioError), str("0"), str(""), str("0"),
		str("Slave_Pos"), str(m.ioPos.String()), str(m.slavePos.String())}
	return Result{Columns: cols, Rows: [][]*string{row}}, nil
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// showGlobals answers SHOW GLOBAL VARIABLES|STATUS [LIKE 'prefix%'].
func showGlobals(f *Fleet, s *session, g []string) (Result, error) {
	var vals map[string]string
	if strings.EqualFold(g[1], "STATUS") {
		vals = f.status(s.m)
	} else {
		s.m.mu.Lock()
		vals = make(map[string]string, len(s.m.vars)+2)
		for k, v := range s.m.vars {
			vals[k] = v
		}
		vals["read_only"], _ = s.m.variable("read_only")
		vals["server_id"], _ = s.m.variable("server_id")
		s.m.mu.Unlock()
	}
	res := Result{Columns: []string{"Variable_name", "Value"}, Rows: [][]*string{}}
	like := strings.ToLower(strings.TrimSuffix(unquote(g[2]), "%"))
	for _, k := range sortedKeys(vals) {
		if strings.HasPrefix(strings.ToLower(k), like) {
			name, v := k, vals[k]
			res.Rows = append(res.Rows, []*string{&name, &v})
		}
	}
	return res, nil
}

// status is SHOW GLOBAL STATUS: the semi-sync counters and a few others.
func (f *Fleet) status(m *member) map[string]string {
	f.refresh(m, 0)
	clients := f.semiSyncClients(m)
	m.mu.Lock()
	defer m.mu.Unlock()
	onOff := func(b bool) string {
		if b {
			return "ON"
		}
		return "OFF"
	}
	return map[string]string{
		"Rpl_semi_sync_master_status":        onOff(m.varOn("rpl_semi_sync_master_enabled")),
		"Rpl_semi_sync_master_clients":       strconv.Itoa(clients),
		"Rpl_semi_sync_master_yes_tx":        strconv.FormatUint(m.ackedTx, 10),
		"Rpl_semi_sync_master_no_tx":         "0",
		"Rpl_semi_sync_master_wait_sessions": "0",
		"Rpl_semi_sync_slave_status":         onOff(m.varOn("rpl_semi_sync_slave_enabled") && m.ioOn && m.ioState == "Yes"),
		"Slave_running":                      onOff(m.ioOn && m.sqlOn && m.ioState == "Yes"),
		"Uptime":                             "1",
		"Threads_connected":                  "1",
	}
}

func showBinaryLogs(*Fleet, *session, []string) (Result, error) {
	name, size := "binlog.000001", "4096"
	return Result{Columns: []string{"Log_name", "File_size"}, Rows: [][]*string{{&name, &size}}}, nil
}

func setStatementFor(f *Fleet, s *session, g []string) (Result, error) { return f.exec(s, g[1]) }

func setSlavePosCurrent(_ *Fleet, s *session, _ []string) (Result, error) {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ioOn || m.sqlOn {
		return Result{}, &SQLError{Number: 1198, State: "HY000", Msg: "This operation cannot be performed as you have a running slave"}
	}
	m.slavePos = m.currentPos()
	return Result{}, nil
}

func setGTIDVariable(_ *Fleet, s *session, g []string) (Result, error) {
	v, err := parseGTIDs(unquote(g[2]))
	if err != nil {
		return Result{}, &SQLError{Number: 1941, State: "HY000", Msg: err.Error()}
	}
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if strings.EqualFold(g[1], "gtid_slave_pos") {
		m.slavePos = v.lastPerDomain()
	} else {
		m.binlog = v
	}
	return Result{}, nil
}

// setGlobal stores any global; read_only is the fence.
func setGlobal(_ *Fleet, s *session, g []string) (Result, error) {
	name, val := strings.ToLower(g[1]), strings.TrimSpace(g[2])
	if strings.HasPrefix(val, "'") {
		val = unquote(strings.Trim(val, "'"))
	}
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if name == "read_only" {
		m.readOnly = strings.EqualFold(val, "ON") || val == "1"
		return Result{}, nil
	}
	if strings.EqualFold(val, "DEFAULT") {
		val = configDefaults()[name]
	}
	m.vars[name] = val
	return Result{}, nil
}

func stopSlave(_ *Fleet, s *session, _ []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.ioOn, s.m.sqlOn, s.m.ioState = false, false, "No"
	return Result{}, nil
}

func stopSlaveIO(_ *Fleet, s *session, _ []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.ioOn, s.m.ioState = false, "No"
	return Result{}, nil
}

func startSlave(f *Fleet, s *session, _ []string) (Result, error) {
	m := s.m
	m.mu.Lock()
	if m.source == nil {
		m.mu.Unlock()
		return Result{}, &SQLError{Number: 1200, State: "HY000", Msg: "Misconfigured slave: MASTER_HOST was not set"}
	}
	m.ioOn, m.sqlOn = true, true
	m.mu.Unlock()
	f.refresh(m, 0)
	return Result{}, nil
}

func resetSlaveAll(_ *Fleet, s *session, _ []string) (Result, error) {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ioOn || m.sqlOn {
		return Result{}, &SQLError{Number: 1198, State: "HY000", Msg: "This operation cannot be performed as you have a running slave"}
	}
	m.source, m.ioPos, m.ioErrno, m.ioError = nil, gtidState{}, 0, ""
	return Result{}, nil
}

func resetMaster(_ *Fleet, s *session, _ []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.binlog = gtidState{}
	return Result{}, nil
}

// changeMaster takes MASTER_HOST, MASTER_PORT and MASTER_USER; the rest
// (password, GTID mode, retry, heartbeat period) only has to be there.
func changeMaster(_ *Fleet, s *session, g []string) (Result, error) {
	src := &source{}
	for _, opt := range splitOptions(g[1]) {
		k, v, _ := strings.Cut(opt, "=")
		k, v = strings.ToUpper(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "MASTER_HOST":
			src.host = unquote(strings.Trim(v, "'"))
		case "MASTER_USER":
			src.user = unquote(strings.Trim(v, "'"))
		case "MASTER_PORT":
			src.port, _ = strconv.Atoi(v)
		}
	}
	if src.host == "" || src.port == 0 {
		return Result{}, &SQLError{Number: 1210, State: "HY000", Msg: "Incorrect arguments to CHANGE MASTER"}
	}
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ioOn || m.sqlOn {
		return Result{}, &SQLError{Number: 1198, State: "HY000", Msg: "This operation cannot be performed as you have a running slave"}
	}
	m.source, m.ioState, m.ioErrno, m.ioError = src, "No", 0, ""
	return Result{}, nil
}

// splitOptions splits "A = 'x', B = 1" at commas outside quotes.
func splitOptions(s string) []string {
	var out []string
	start, inQuote := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// heartbeat replaces the probe row while the fence is down; on a primary
// waiting for semi-sync acks with no replica to give one the commit waits,
// as a real server's does after its client gave up, until a replica would
// acknowledge or a KILL ends it.
func heartbeat(f *Fleet, s *session, _ []string) (Result, error) {
	m := s.m
	m.mu.Lock()
	exists, ro, semi := m.tables["ordinal.heartbeat"], m.readOnly, m.varOn("rpl_semi_sync_master_enabled")
	m.mu.Unlock()
	if !exists {
		return Result{}, &SQLError{Number: 1146, State: "42S02", Msg: "Table 'ordinal.heartbeat' doesn't exist"}
	}
	if ro {
		s.rowCount = 0
		return Result{}, nil
	}
	if semi && !f.awaitAck(s) {
		return Result{}, &SQLError{Number: 1317, State: "70100", Msg: "Query execution was interrupted"}
	}
	m.mu.Lock()
	m.commit()
	if semi {
		m.ackedTx++
	}
	m.mu.Unlock()
	s.rowCount = 2
	return Result{Affected: 2}, nil
}

// awaitAck is waitForAck with the session listed as waiting for an ack.
func (f *Fleet) awaitAck(s *session) bool {
	s.m.mu.Lock()
	s.m.awaiting[s.id] = time.Now()
	s.m.mu.Unlock()
	defer func() {
		s.m.mu.Lock()
		delete(s.m.awaiting, s.id)
		s.m.mu.Unlock()
	}()
	return f.waitForAck(s)
}

// listAwaiting is the fence's list of sessions: the heartbeats waiting for an ack (the
// operator's own sessions are the only other ones, and the fence spares those).
func listAwaiting(_ *Fleet, s *session, _ []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	res := Result{Columns: []string{"id", "user", "state"}, Rows: [][]*string{}}
	for id := range s.m.awaiting {
		idStr, user, state := strconv.FormatUint(uint64(id), 10), "ordinal", "Waiting for semi-sync ACK from slave"
		res.Rows = append(res.Rows, []*string{&idStr, &user, &state})
	}
	return res, nil
}

// listAwaitingProbes is the heartbeat's list of busy sessions: the heartbeats waiting for an ack
// (nothing else runs long on a simulated member).
func listAwaitingProbes(_ *Fleet, s *session, _ []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	res := Result{Columns: []string{"id", "state", "info", "secs"}, Rows: [][]*string{}}
	for id, since := range s.m.awaiting {
		idStr, state := strconv.FormatUint(uint64(id), 10), "Waiting for semi-sync ACK from slave"
		info := "REPLACE INTO ordinal.heartbeat (id, beat) SELECT 1, NOW(6) FROM " // LEFT(INFO, 64)
		secs := strconv.Itoa(max(0, int(time.Since(since).Seconds())))
		res.Rows = append(res.Rows, []*string{&idStr, &state, &info, &secs})
	}
	return res, nil
}

// waitForAck waits (at most a minute) until a replica would acknowledge;
// false when the session was killed meanwhile.
func (f *Fleet) waitForAck(s *session) bool {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && !s.closed.Load() {
		if f.semiSyncClients(s.m) > 0 {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func createDatabase(_ *Fleet, s *session, _ []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.commit()
	return Result{Affected: 1}, nil
}

func createTable(_ *Fleet, s *session, g []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.tables[strings.ToLower(g[1])] = true
	s.m.commit()
	return Result{}, nil
}

func killConnection(f *Fleet, s *session, g []string) (Result, error) {
	id, _ := strconv.ParseUint(g[1], 10, 32)
	s.p.mu.Lock()
	victim := s.p.conns[uint32(id)]
	s.p.mu.Unlock()
	if victim == nil {
		return Result{}, &SQLError{Number: 1094, State: "HY000", Msg: "Unknown thread id: " + g[1]}
	}
	victim.reset()
	return Result{}, nil
}

func createUser(_ *Fleet, s *session, g []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.users[unquote(g[1])+"@"+unquote(g[2])] = true
	return Result{}, nil
}

func countUser(_ *Fleet, s *session, g []string) (Result, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return one(g[1], boolNum(s.m.users[unquote(g[2])+"@"+unquote(g[3])])), nil
}

// masterGTIDWait polls the replica's position until it covers the wanted
// GTIDs or the timeout passes: 0 when applied, -1 on timeout.
func masterGTIDWait(f *Fleet, s *session, g []string) (Result, error) {
	want, err := parseGTIDs(unquote(g[1]))
	if err != nil {
		return Result{}, &SQLError{Number: 1941, State: "HY000", Msg: err.Error()}
	}
	secs, _ := strconv.ParseFloat(g[2], 64)
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	col := "MASTER_GTID_WAIT(" + g[1] + ", " + g[2] + ")"
	for {
		f.refresh(s.m, 0)
		s.m.mu.Lock()
		done := s.m.currentPos().covers(want)
		s.m.mu.Unlock()
		if done {
			return one(col, "0"), nil
		}
		if !time.Now().Before(deadline) || s.closed.Load() {
			return one(col, "-1"), nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}
