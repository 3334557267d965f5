"""Administrative licences (行政许可) for the double publicity (双公示, 三(一)1): recorded,
corrected and ended by the issuing department's staff, published through the outbox and
listed to the public like the penalties."""
