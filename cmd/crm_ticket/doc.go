// Command crm_ticket is Pacer's drop-in for Pacemaker's crm_ticket: it
// lists tickets (-l, -L), shows their state and constraints as XML (-q, -c),
// grants, revokes, puts in standby and activates them (-g, -r, -s, -a, with
// Pacemaker's --force safeguards) and gets, sets and deletes ticket
// attributes (-G, -S, -D) in the status section's <tickets>, on the CIB
// named by CIB_file or the cluster's.
package main
