// Command crm_resource is Pacer's drop-in for Pacemaker's crm_resource: the
// agent queries (--list-standards, --list-ocf-providers, --list-agents,
// --list-ocf-alternatives, --show-metadata), the local force actions
// (--force-start/stop/promote/demote/check) and --validate run through
// package lrmd, and the resource attribute commands (-g/-p/-d) edit the CIB
// named by CIB_file (or the cluster's), with Pacemaker's output and exit codes.
// The cluster-state commands (--list, --locate, --move, --ban, --clear,
// --cleanup, --refresh, --why, --wait) use package resourcecmd.
package main
