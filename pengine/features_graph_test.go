package pengine

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Each testdata/features/NAME.actions holds the "Executing Cluster Transition"
// lines Pacemaker 2.1.5's crm_simulate -S printed for NAME.xml, for features that
// show in the transition's actions rather than in its summary. The lines are
// compared as a set unless graphFeatureOrdered says the order is Pacemaker's too. Why each answer is right:
var graphFeatureWhy = map[string]string{
	"anon-inactive-entry":  "anonymous clone K's history names its instances (X:0 active on node1, inactive probes X:0 on node2 and X:1 on node3): the instances matched with those inactive entries start under their own names X:1 and X:2; L's history uses the base name Y and keeps it",
	"cancel-unconfigured":  "A, B and C each run a 5 s monitor on node1 that is not configured: it is cancelled although A moves to node2 (location), B restarts for a changed definition and C is recovered after the monitor failed; the stops end only configured monitors",
	"failcount-clear":      "P's last failed start on node1 was recorded with other parameters than P has now: its fail count there is cleared (P then starts there); Q's was recorded with its current ones: kept; the active orphan O's counts are cleared on node1 (its history) and node2 (only a fail-count attribute), before O stops",
	"failcount-definition": "R (fail count 1) restarts for a definition change and S (fail count 1) runs a monitor now disabled (cancelled): both counts are cleared, R's between its stop and its start; T's definition is unchanged: kept",
	"retyped-history":      "A runs on node1 as recorded for agent Stateful, configured Dummy: restarted with the new agent, its old history deleted between stop and start; B's inactive history on node2 was recorded for Stateful: deleted (B starts on node1 meanwhile); node2's A entry is for the configured agent: kept",
	"one-or-more-stop":     "K1 is the first of a require-all=false order and its instance on node1 (standby) stops for good while others stay: K1's start and running pseudo actions run (empty); K2's only instance stops, so K2 cannot be running and they do not; K3 (clone-min, group instances) stops a group instance, whose own start pseudo action is not required, so they do not either",
}

// graphFeatureOrdered are the cases whose lines are compared in order too.
var graphFeatureOrdered = map[string]bool{"anon-inactive-entry": true, "cancel-unconfigured": true, "failcount-clear": true, "failcount-definition": true, "retyped-history": true}

func TestFeatureGraphs(t *testing.T) {
	files, err := filepath.Glob("testdata/features/*.actions")
	if err != nil || len(files) == 0 {
		t.Fatalf("no graph feature cases: %v", err)
	}
	fold := func(l string) string { return strings.TrimSpace(spaces.ReplaceAllString(l, " ")) }
	for _, exp := range files {
		name := strings.TrimSuffix(filepath.Base(exp), ".actions")
		t.Run(name, func(t *testing.T) {
			if graphFeatureWhy[name] == "" {
				t.Errorf("graph feature case %s has no explanation", name)
			}
			raw, err := os.ReadFile(exp)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				if l = fold(l); l != "" {
					want = append(want, l)
				}
			}
			data, err := os.ReadFile(strings.TrimSuffix(exp, ".actions") + ".xml")
			if err != nil {
				t.Fatal(err)
			}
			root := parseCIB(t, string(data))
			tr, err := Schedule(root, time.Unix(1700000000, 0))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range tr.Simulate(root.Copy()) {
				got = append(got, fold(l))
			}
			if !graphFeatureOrdered[name] {
				sort.Strings(want)
				sort.Strings(got)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s (%s)\nwant:\n%s\ngot:\n%s", name, graphFeatureWhy[name], strings.Join(want, "\n"), strings.Join(got, "\n"))
			}
		})
	}
}
