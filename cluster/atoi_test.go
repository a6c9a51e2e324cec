package cluster

import (
	"strconv"
	"testing"
)

func TestAtoi64MatchesParseInt(t *testing.T) {
	for _, s := range []string{"", "0", "7", "-1", "+5", "10000", "1700000000", "999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1a", " 1", "0x10", "00012", "-", "+"} {
		want, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			want = 0
		}
		if got := atoi64(s); got != want {
			t.Errorf("atoi64(%q) = %d, want %d", s, got, want)
		}
	}
}
