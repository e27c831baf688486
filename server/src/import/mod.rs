//! Import of users from SchILD exports and generic CSV files: parse the bytes, plan the changes
//! against the directory, apply them. (The parser and planner arrive in the next commit.)
