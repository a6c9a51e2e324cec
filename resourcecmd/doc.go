// Package resourcecmd holds the cluster-state logic shared by Pacer's
// crm_resource, crm_node, crm_standby and crm_failcount: listing and locating
// resources, the cli-prefer/cli-ban location constraints that --move, --ban
// and --clear write, resource clean-up (failed history, fail-count and
// last-failure attributes), node attribute queries and updates, and the node
// list derived from a CIB. Every function works on a *cib.CIB (and the
// cluster.Cluster view of it) so the tools behave the same on a CIB file and
// on the live cluster's CIB.
package resourcecmd
