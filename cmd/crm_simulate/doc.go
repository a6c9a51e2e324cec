// Command crm_simulate is Pacer's drop-in for Pacemaker's crm_simulate: it reads a CIB
// (-x FILE, -p for stdin), runs the scheduler (package pengine) on it, and prints the
// current status, the Transition Summary, the simulated execution and the revised
// status with Pacemaker's flags, text and exit codes. It can also inject node and
// operation events, save the transition graph (-G) and dot file (-D), and write the
// resulting CIB (-O).
package main
