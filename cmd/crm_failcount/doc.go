// Command crm_failcount is Pacer's drop-in for Pacemaker's crm_failcount:
// it shows a resource's fail count on a node (the sum of its per-operation
// fail-count-RSC#OP_INTERVAL transient attributes, or one operation's) and
// deletes a resource's recorded failures (a crm_resource --cleanup of that
// resource on that node), with the output and exit codes of Pacemaker's
// script.
package main
