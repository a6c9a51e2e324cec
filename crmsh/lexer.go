package crmsh

import (
	"fmt"
	"strings"
)

// Line is one logical command of a script: physical lines joined at a trailing
// backslash, with the number of the first physical line for error messages.
type Line struct {
	Num  int
	Text string
}

// SplitLines turns script text into logical lines. Blank lines and lines whose
// first non-blank character is '#' are dropped (a '#' later on a line is data:
// `#uname` is an attribute name in rules).
func SplitLines(script string) []Line {
	var out []Line
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(script, "\n") {
		raw = strings.TrimRight(raw, "\r")
		if cur.Len() == 0 {
			start = i + 1
			t := strings.TrimSpace(raw)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
		}
		if strings.HasSuffix(raw, "\\") && !strings.HasSuffix(raw, "\\\\") {
			cur.WriteString(strings.TrimSuffix(raw, "\\"))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(raw)
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, Line{Num: start, Text: t})
		}
		cur.Reset()
	}
	if t := strings.TrimSpace(cur.String()); t != "" {
		out = append(out, Line{Num: start, Text: t})
	}
	return out
}

// Lex splits one command into words the way a POSIX shell would for crmsh:
// whitespace separates words, single and double quotes group and are removed,
// and a backslash outside single quotes escapes the next character.
func Lex(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote at column %d", i+1)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\') {
					j++
				}
				cur.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated double quote at column %d", i+1)
			}
			i = j
			inWord = true
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
