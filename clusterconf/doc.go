// Package clusterconf reads crmd's configuration file (/etc/pacer/crmd.conf): the
// cluster name, the node list, where to bind, the key file, the state and run
// directories, failure-detection timing and quorum options. Its one job is turning
// that file into a checked Config with defaults filled in; errors name the file and
// line. The format is documented in docs/crmd.md.
package clusterconf
