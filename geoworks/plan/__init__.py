"""Planning: network gaps per target, the nearest connection point, extension estimates along roads."""
