// Package cib holds Pacemaker's Cluster Information Base (CIB) as XML: it parses and
// writes the document byte-for-byte as read, keeps the version counters
// (admin_epoch, epoch, num_updates), validates a configuration before any write is
// accepted, and implements cibadmin's operations (query, create, modify, replace,
// delete, erase) with Pacemaker's semantics and exit codes. A Backend is where tools
// read and write the CIB (a file via CIB_file today; the live cluster later).
//
// The XML tree (github.com/beevik/etree) is the single source of truth; typed views of
// the configuration live in other packages and are derived from it.
package cib
