// Package crmlevels holds the crm shell's levels other than configure:
// status (crm_mon's output), ra (resource agent classes, providers, lists
// and meta-data), resource (target-role, is-managed, parameters, meta
// attributes) and node (standby, maintenance, node attributes and
// utilization). Every edit works on an in-memory *cib.CIB, producing the
// XML crmsh 4.4 produces on a CIB file; cmd/crm does the reading and
// writing through cibclient.
package crmlevels
