// Package store keeps the CIB on disk in a bbolt database inside a state directory
// (default /var/lib/pacer): the current CIB and the last N revisions, each with its
// version, digest and time, every commit in one bbolt transaction so a crash leaves
// either the old or the new CIB. A damaged database is reported, never replaced.
package store
