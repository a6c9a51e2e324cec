// Package e2e holds end-to-end tests: a three-node crmd cluster, every node in
// its own network namespace (internal/netcluster), driven only through Pacer's
// built tools (crm, crm_resource, crm_mon, cibadmin, crm_attribute, ...) run
// inside a node's namespace with PACER_SOCKET pointed at that node's socket,
// as an administrator would on the node. What the cluster did is read back
// with crm_mon --output-as=xml and cibadmin --query.
//
// The tests need root and network namespaces and skip without them. The
// tools are built from the working tree into a temporary directory (E2E_BIN
// names a directory of built tools instead); E2E_DUMP=FILE saves the CIB when
// the cluster does not settle. The package has no non-test code.
package e2e
