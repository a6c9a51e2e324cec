package rules

import (
	"strconv"
	"strings"
)

// Infinity is Pacemaker's INFINITY score; sums saturate at ±Infinity.
const Infinity = 1000000

// ParseScore reads a score ("INFINITY", "+INFINITY", "-INFINITY", "red"/"yellow"/"green"
// node-health names are not scores here, an integer). ok is false for text that is not a
// score; the value is then 0, which is how Pacemaker treats it.
func ParseScore(s string) (int, bool) {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "INFINITY", "+INFINITY":
		return Infinity, true
	case "-INFINITY":
		return -Infinity, true
	case "":
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Pacemaker uses the leading digits of a malformed score.
		return 0, false
	}
	return Clamp(n), true
}

// Clamp bounds a value to ±Infinity.
func Clamp(n int64) int {
	if n >= Infinity {
		return Infinity
	}
	if n <= -Infinity {
		return -Infinity
	}
	return int(n)
}

// Add adds two scores the Pacemaker way: -INFINITY wins over +INFINITY, and any sum
// saturates at ±INFINITY.
func Add(a, b int) int {
	if a <= -Infinity || b <= -Infinity {
		return -Infinity
	}
	if a >= Infinity || b >= Infinity {
		return Infinity
	}
	return Clamp(int64(a) + int64(b))
}

// Format prints a score as Pacemaker does.
func Format(n int) string {
	switch {
	case n >= Infinity:
		return "INFINITY"
	case n <= -Infinity:
		return "-INFINITY"
	}
	return strconv.Itoa(n)
}
