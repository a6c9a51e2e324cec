// Command cibadmin queries and edits the CIB with Pacemaker's cibadmin flags, output
// and exit codes. With CIB_file=FILE it works on that file; otherwise on the live
// cluster (through cibclient).
package main
