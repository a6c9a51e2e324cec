// Package crmsh implements the configure level of crmsh's `crm` shell: it lexes and
// parses the crm configure language (primitive, group, clone, ms, location,
// colocation, order, property, ...) into edits of a CIB held as an etree document,
// generating element ids exactly as crmsh 4.4 does, and renders a CIB back into
// crmsh's text form (`crm configure show`).
//
// The package is pure: it never touches files or the cluster. cmd/crm reads and
// writes the CIB through package cibclient and feeds commands to a Session.
package crmsh
