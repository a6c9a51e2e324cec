// Command crm_attribute is Pacer's drop-in for Pacemaker's crm_attribute:
// it queries, sets and deletes cluster options (crm_config, rsc_defaults,
// op_defaults) and node attributes, permanent ones in the configuration and
// transient ones (-l reboot, --promotion scores) in the status section, on
// the CIB named by CIB_file or the cluster's, with Pacemaker's output and
// exit codes.
package main
