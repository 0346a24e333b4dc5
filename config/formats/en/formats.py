# One long and one short way to write a date and a time in English: "March 1, 2030, 15:00" and
# "2030-03-01 15:00". The short form is ISO's order, which no reader takes for the first of a
# month when it is March; the 24-hour clock spares "a.m." and "p.m.". Pages name the timezone.
DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
