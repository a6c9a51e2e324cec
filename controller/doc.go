// Package controller is the pure core of crmd's cluster logic: quorum, the
// deterministic election of the DC (designated controller), and the replicated CIB
// (writes forwarded to the DC, applied there, replicated to every member and
// acknowledged only once durable on all of them), plus transient node attributes.
//
// Like etcd-io/raft's core it does no I/O and reads no clock. Time advances with
// Tick; inputs are Step (a message from another node), MemberUp/MemberDown
// (membership events) and Propose (a client request). Everything the node must do
// comes out of Ready: first persist Ready.Persist, then send Ready.Messages, then
// deliver Ready.Events. The CIB document itself is opaque here; a Model parses its
// version and applies operations, so the protocol is tested in memory with a
// simulated network. See docs/design/controller.md.
package controller
