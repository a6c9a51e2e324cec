// Package cibclient is how every Pacer tool gets its cib.Backend: a CIB file when
// CIB_file is set (Pacemaker's convention for working offline), otherwise the live
// cluster through crmd.
package cibclient
