// Package netcluster runs real crmd clusters for tests: every node its own
// configuration, state directory, run directory (socket), agent state
// directory (HA_RSCTMP) and crmd process, either on loopback ports or each in
// its own network namespace on a bridge that lives in a separate "switch"
// namespace (nothing is added to the host's network; a node's link can be cut
// and healed at the switch).
//
// Everything a test creates is torn down with t.Cleanup. Namespace names carry
// the test process's pid, so concurrent test processes never touch each
// other's namespaces; leftovers of crashed runs are removed only when their pid
// is dead.
package netcluster
