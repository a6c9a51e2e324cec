// Command attrd_updater is Pacer's drop-in for Pacemaker's attrd_updater:
// it sets, queries and removes transient node attributes (the node's
// transient_attributes in the status section): directly in the CIB named by
// CIB_file, or through crmd's attribute manager (which dampens and writes
// them, as Pacemaker's attrd does). Agents such as ocf:pacer:ping and ocf:pacemaker:ping use
// it to publish node attributes.
package main
