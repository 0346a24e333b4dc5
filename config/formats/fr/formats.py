# Les deux façons d'écrire une date et une heure en français : « 1 mars 2030, 15 h 00 » et
# « 2030-03-01 15 h 00 » (l'ordre de l'ISO, que recommande l'Office québécois de la langue française).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j F Y, H \h i"
TIME_FORMAT = r"H \h i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = r"Y-m-d H \h i"
