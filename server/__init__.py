"""Ship Captain Crew: dispatch, payments and waivers for a boat-charter business."""
