// Package testenv is what tests share to find their surroundings: the repository
// root, the read-only ../shared material (Pacemaker's scheduler cases) and the
// normalisation the conformance runner applies before comparing outputs. Tests skip,
// rather than fail, where ../shared is absent.
package testenv
