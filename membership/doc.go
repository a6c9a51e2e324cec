// Package membership is crmd's view of which nodes are alive. It wraps
// hashicorp/memberlist (SWIM failure detection over UDP, state sync and reliable
// messages over TCP) and makes encryption mandatory: every packet and stream is
// sealed with AES-256-GCM under the cluster key, and unencrypted or wrongly keyed
// traffic is rejected. It delivers join/leave/fail events and inter-node messages on
// channels, carries each node's metadata (node id, CIB version), and reads and writes
// the key file (crmd keygen). See docs/design/membership.md.
package membership
