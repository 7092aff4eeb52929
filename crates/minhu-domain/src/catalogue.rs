//! The service catalogue (服务目录) and the dispatch catalogue (派单目录): categories with their
//! Open311 attributes, and the routing policy that names a lead unit for a category and area.
