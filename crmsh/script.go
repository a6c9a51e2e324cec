package crmsh

import (
	"fmt"
	"strings"
)

// Script runs crm scripts (`crm -f`): level commands (configure, end, up, quit,
// commit) around configure commands. ReadFile serves `load`; Report receives
// every failing line, which is skipped as crmsh does.
type Script struct {
	Session  *Session
	Level    string // "" (top) or "configure"
	ReadFile func(path string) ([]byte, error)
	Report   func(line int, err error)
}

// Run runs all lines of text and reports whether every line succeeded.
func (sc *Script) Run(text string) bool {
	ok := true
	for _, l := range SplitLines(text) {
		good, more := sc.Line(l.Num, l.Text)
		ok = ok && good
		if !more {
			break
		}
	}
	return ok
}

// Line runs one logical line. ok is false when it failed; more is false after quit.
func (sc *Script) Line(n int, text string) (ok, more bool) {
	fail := func(err error) (bool, bool) {
		if sc.Report != nil {
			sc.Report(n, err)
		}
		return false, true
	}
	if rest, isXML := rawXML(text); isXML && sc.Level == "configure" {
		if err := sc.Session.Exec([]string{"xml", rest}); err != nil {
			return fail(err)
		}
		return true, true
	}
	words, err := Lex(strings.TrimSpace(text))
	if err != nil {
		return fail(err)
	}
	if len(words) == 0 {
		return true, true
	}
	switch words[0] {
	case "quit", "exit", "bye", "q":
		return true, false
	case "configure", "cib", "conf":
		if len(words) == 1 {
			sc.Level = "configure"
			return true, true
		}
		words = words[1:]
	case "end", "up", "..":
		sc.Level = ""
		return true, true
	case "cd":
		sc.Level = ""
		if len(words) > 1 && (words[1] == "configure" || words[1] == "cib") {
			sc.Level = "configure"
		}
		return true, true
	default:
		if sc.Level != "configure" {
			return fail(fmt.Errorf("%s: No such command", words[0]))
		}
	}
	if words[0] == "load" && len(words) == 4 && words[1] == "xml" && sc.ReadFile != nil {
		data, err := sc.ReadFile(words[3])
		if err != nil {
			return fail(fmt.Errorf("load: %w", err))
		}
		if err := sc.Session.LoadXML(words[2], data); err != nil {
			return fail(err)
		}
		return true, true
	}
	if words[0] == "load" {
		if len(words) != 3 || sc.ReadFile == nil {
			return fail(fmt.Errorf("usage: load {update|replace} FILE"))
		}
		data, err := sc.ReadFile(words[2])
		if err != nil {
			return fail(fmt.Errorf("load: %w", err))
		}
		if err := sc.Session.Load(words[1], string(data)); err != nil {
			return fail(err)
		}
		return true, true
	}
	if err := sc.Session.Exec(words); err != nil {
		return fail(err)
	}
	return true, true
}
