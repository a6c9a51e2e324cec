// Command crm_node is Pacer's drop-in for Pacemaker's crm_node. Pacemaker's
// asks the controller for membership; Pacer answers from the CIB (CIB_file,
// or the cluster's through crmd): the nodes come from the configuration and
// the status section (node_state in_ccm), quorum from the CIB root's
// have-quorum, and -R removes a node from both sections.
package main
