package resourcecmd

import (
	"testing"
	"time"
)

func TestParseIntervalMS(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "0": 0, "10": 10000, "10s": 10000, "10 sec": 10000, "1500ms": 1500,
		"2m": 120000, "1h": 3600000, "PT10S": 10000, "P1DT1M": 86460000, "3000us": 3} {
		got, ok := ParseIntervalMS(in)
		if !ok || got != want {
			t.Errorf("ParseIntervalMS(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"10x", "P", "PT", "abc", "P1H"} {
		if _, ok := ParseIntervalMS(bad); ok {
			t.Errorf("ParseIntervalMS(%q) accepted", bad)
		}
	}
}

func TestAddDuration(t *testing.T) {
	base := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"PT1H":    base.Add(time.Hour),
		"P1W":     base.AddDate(0, 0, 7),
		"P1Y":     base.AddDate(1, 0, 0),
		"P1DT30M": base.Add(24*time.Hour + 30*time.Minute),
	} {
		got, ok := AddDuration(base, in)
		if !ok || !got.Equal(want) {
			t.Errorf("AddDuration(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
}

func TestDropNodes(t *testing.T) {
	for in, want := range map[string]string{
		"Started node1":                  "Started",
		"FAILED node2":                   "FAILED",
		"FAILED Promoted node2":          "FAILED Promoted",
		"Stopped":                        "Stopped",
		"Stopped (disabled)":             "Stopped (disabled)",
		"Started node1 (UNCLEAN)":        "Started",
		"Started [ n1 n2 ]":              "Started",
		"ORPHANED Started node9":         "ORPHANED Started",
		"Started node1 (unmanaged)":      "Started (unmanaged)",
		"Started (Monitoring) [ n1 n3 ]": "Started (Monitoring)",
	} {
		if got := dropNodes(in); got != want {
			t.Errorf("dropNodes(%q) = %q, want %q", in, got, want)
		}
	}
}
