package geo

// System is the role of the map's own writers: the command-line import and
// the seed load of an empty database. It may write every stored layer, the
// base map and the community outline included, in every grid. No account
// has it: the users table accepts only editor and admin, and ParseRole
// reads neither name as System, so no HTTP request can act with it. Its
// writes still pass every rule, lock and history row of an edit.
const System Role = "system"

// SystemUser returns the actor of a command-line import or a seed load;
// name is what the history records as who made the change.
func SystemUser(name string) User { return User{Name: name, Role: System} }
