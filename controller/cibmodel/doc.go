// Package cibmodel is the controller's Model for real CIB XML: it reads a CIB's
// version and applies the controller's operations (a client's compare-and-swap
// replace, transient node attributes, node up/down, have-quorum) the way
// Pacemaker lays them out in the status section. Everything here is pure.
package cibmodel
