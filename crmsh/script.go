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
	Level    string // "" (top), "configure" or one of OtherLevels
	ReadFile func(path string) ([]byte, error)
	Report   func(line int, err error)
	// Other runs commands of the levels named in OtherLevels (status,
	// resource, ...), given with the level first; the CIB may change under
	// the session, whose id cache is then dropped. Nil: such lines fail.
	Other       func(words []string) error
	OtherLevels []string
	// OtherCommands are top-level commands (status) run by Other too.
	OtherCommands []string
}

func (sc *Script) otherCommand(w string) bool {
	for _, l := range sc.OtherCommands {
		if l == w {
			return sc.Other != nil
		}
	}
	return false
}

func (sc *Script) otherLevel(w string) bool {
	for _, l := range sc.OtherLevels {
		if l == w {
			return sc.Other != nil
		}
	}
	return false
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
		if sc.otherLevel(words[0]) && sc.Level != "configure" {
			if len(words) == 1 {
				sc.Level = words[0]
				return true, true
			}
			sc.Level = ""
		}

		if sc.Level != "configure" && (sc.otherLevel(sc.Level) || sc.otherLevel(words[0]) || (sc.Level == "" && sc.otherCommand(words[0]))) {
			if sc.Level != "" {
				words = append([]string{sc.Level}, words...)
			}
			err := sc.Other(words)
			sc.Session.Forget()
			if err != nil {
				return fail(err)
			}
			return true, true
		}
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
