// Command crmd is Pacer's cluster daemon, one per node: it does what Corosync,
// pacemaker-controld, pacemaker-based and pacemaker-attrd do together. Its job
// here is wiring: membership (memberlist), the controller core, the bbolt CIB
// store and the local API socket, plus `crmd keygen` and `crmd demo`. See
// docs/crmd.md.
package main
