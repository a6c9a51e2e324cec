// Package ipc is crmd's local API: a Unix socket (/run/pacer/crmd.sock, or
// $PACER_SOCKET) carrying length-prefixed JSON requests and responses. Tools use it
// to query and update the CIB (the cib.Backend operations), set, get and delete
// transient node attributes, and read the node's cluster status. The server side
// hands each decoded request to a Handler; malformed frames are logged and the
// connection dropped. See docs/design/ipc.md.
package ipc
