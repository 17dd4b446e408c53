"""Every word list of the PHI rules, in one place: the allowlist of clinical annotation words,
units, name titles, common given names, words too common to identify anything, generic words of
institution names, and the PHI label table.

Lists are upper case. Rules that compare OCR-folded forms fold these lists themselves.
"""

from __future__ import annotations

from pixelsvc.phi.normalise import alpha_canon
from pixelsvc.types import Label

__all__ = [
    "AGE_LABELS",
    "COMMON_GIVEN_NAMES",
    "COMMON_WORDS",
    "DEFAULT_ALLOWLIST",
    "GENERIC_PLACE_WORDS",
    "INSTITUTION_WORDS",
    "LABEL_CONNECTORS",
    "LABEL_PREFIX_EXCLUDES",
    "LABEL_SUFFIX_EXCLUDES",
    "LOCATION_WORDS",
    "NAME_TITLES",
    "PHI_LABELS",
    "SEX_LABELS",
    "SEX_WORDS",
    "UNITS",
]

# --- clinical annotations ------------------------------------------------------------

DEFAULT_ALLOWLIST: tuple[str, ...] = (
    # orientation and laterality
    "L", "R", "A", "P", "H", "F", "S", "I", "LT", "RT", "AP", "PA", "LAT", "LAO", "RAO", "CRAN", "CAUD",
    "LEFT", "RIGHT", "ANT", "POST", "SUP", "INF", "MLO", "CC",
    # acquisition parameters and units
    "KV", "KVP", "MA", "MAS", "MM", "CM", "HZ", "MHZ", "KHZ", "DB", "FPS", "BPM", "HR", "MS", "SEC", "S",
    "W", "L", "WW", "WL", "C", "WC", "TI", "TE", "TR", "FA", "ET", "NEX", "FOV", "DFOV", "THK", "SL", "TILT",
    "MI", "TIS", "TIB", "TIC", "GN", "GAIN", "DR", "DYN", "COMP", "DEPTH", "FR", "ZOOM", "MAP", "PRF", "WF",
    # series / image counters
    "SE", "IM", "IMG", "IMA", "SER", "SERIES", "IMAGE", "SLICE", "LOC", "FRAME",
    # sequence, technique and body-part words
    "AX", "AXIAL", "SAG", "SAGITTAL", "COR", "CORONAL", "T1", "T2", "FLAIR", "DWI", "ADC", "STIR", "GRE", "SE",
    "FSE", "TSE", "EPI", "PD", "MIP", "MPR", "3D", "2D", "CINE", "DOPPLER", "CFM", "PW", "CW", "M", "B",
    "CHEST", "ABDOMEN", "ABD", "PELVIS", "HEAD", "BRAIN", "NECK", "SPINE", "KNEE", "HIP", "SHOULDER", "LIVER",
    "KIDNEY", "RENAL", "THYROID", "BREAST", "HEART", "CARDIAC", "LUNG", "BONE", "SOFT", "TISSUE", "GENERAL",
    "STANDARD", "SCOUT", "LOCALIZER", "CONTRAST", "NON", "WITH", "WITHOUT", "PRE", "POST", "ARTERIAL", "VENOUS",
    # ultrasound presets, modes and controls
    "ADV", "RES", "MED", "PEN", "GEN", "HGEN", "HPEN", "HRES", "RS", "THI", "HAR", "HARM", "HARMONIC", "CHI", "CPA",
    "PDI", "CDI", "CF", "PWR", "POWER", "COLOR", "COLOUR", "VEL", "VELOCITY", "WMF", "FILT", "FILTER", "SV", "ANGLE",
    "FREQ", "FREQUENCY", "PERSIST", "PERSISTENCE", "RATE", "RANGE", "CRI", "SRI", "XRES", "TGC", "FOCUS", "SECTOR",
    "WIDTH", "PROBE", "LINEAR", "CONVEX", "PHASED", "MODE", "BMODE", "MMODE", "4D", "SCALE", "BASELINE", "INV",
    "STEER", "CAL", "VOL", "VOLUME", "AREA", "LENGTH", "DIAM", "DIST", "PSV", "EDV", "RI", "PI", "VTI", "MB", "SCAN",
    "FUND", "ECHO", "OB", "GYN", "MSK", "VASC", "VASCULAR", "CAROTID", "ARTERY", "VEIN", "AORTA", "SMALL",
    "PARTS", "PROSTATE", "BLADDER", "GB", "GALLBLADDER", "PANCREAS", "SPLEEN", "UTERUS", "OVARY", "TESTIS",
    "SCROTUM", "LONG", "TRANS", "TRV", "TRANSVERSE", "LONGITUDINAL", "OBLIQUE", "MID", "UPPER", "LOWER", "MEDIAL",
    "LATERAL", "PROX", "PROXIMAL", "DISTAL", "MASS", "CYST", "SOLID", "LESION", "NODULE", "FLUID", "NORMAL",
    "ISTHMUS", "CBD", "D", "FRQ", "OFF", "ON", "SPEED", "MAG", "SPACING", "EFF", "GATE", "FREEZE", "STORE", "PAGE",
    "OF", "NO", "ECG", "LEAD", "BP", "WT", "HT", "BMI", "FHR", "EFW", "BPD", "HC", "AC", "FL", "CRL", "GA", "EDD",
    "LMP", "AFI", "NT", "HD", "LOW", "HIGH", "RUN", "STOP",
    # CT, MR and radiography technique
    "HELICAL", "SPIRAL", "PITCH", "ROT", "DLP", "CTDI", "CTDIVOL", "MGY", "KERNEL", "RECON", "WINDOW", "LEVEL",
    "MEDIASTINUM", "DOSE", "MATRIX", "BW", "ETL", "SWI", "TOF", "MRA", "DIXON", "FS", "PHASE", "DELAY", "PORTABLE",
    "SUPINE", "PRONE", "UPRIGHT", "ERECT", "DECUB", "EXPOSURE", "EI", "DI", "SID", "GRID", "VIEW",
    # manufacturers and product lines that print their name on images
    "GE", "HEALTHCARE", "SIEMENS", "HEALTHINEERS", "PHILIPS", "CANON", "TOSHIBA", "HITACHI", "FUJIFILM", "SAMSUNG",
    "MEDISON", "MINDRAY", "ESAOTE", "HOLOGIC", "CARESTREAM", "AGFA", "KONICA", "MINOLTA", "SHIMADZU", "LOGIQ",
    "VOLUSON", "VIVID", "EPIQ", "AFFINITI", "ACUSON", "APLIO", "ARIETTA", "SEQUOIA",
    # projections, positions and views
    "OBL", "LPO", "RPO", "LL", "RL", "LLAT", "RLAT", "ANTERIOR", "POSTERIOR", "SUPERIOR", "INFERIOR", "CRANIAL",
    "CAUDAL", "HFS", "HFP", "FFS", "FFP", "HFDL", "HFDR", "FFDL", "FFDR", "DECUBITUS", "AXILLARY", "TANGENTIAL",
    "ML", "LM", "XCCL", "SPOT", "FLEXION", "EXTENSION", "STANDING", "SEATED", "INSP", "EXP", "INSPIRATION",
    "EXPIRATION", "SHORT", "AXIS", "SAX", "LAX", "APICAL", "PLAX", "PSAX", "A4C", "A2C", "A3C", "4CH", "2CH",
    "3CH", "SUBCOSTAL", "SUPRASTERNAL", "PARASTERNAL", "FRONTAL", "PROFILE", "OUTLET", "SUNRISE", "MORTISE",
    "WATERS", "TOWNE", "SWIMMERS", "ODONTOID", "TRAUMA",
    # modalities and examinations
    "CT", "CTA", "MRI", "MRV", "PET", "SPECT", "DEXA", "DXA", "FLUORO", "ANGIO", "XR", "CR", "DX", "MG", "XA",
    "NM", "RF", "US", "TOMO", "DBT", "CESM", "MAMMO", "SCREENING", "SCREEN", "DIAGNOSTIC", "FOLLOW",
    # CT and radiography technique
    "SFOV", "RFOV", "COLL", "COLLIMATION", "INCR", "INCREMENT", "ROTATION", "EFFECTIVE", "QREF", "CAREDOSE",
    "AUTO", "ASIR", "IDOSE", "ADMIRE", "SAFIRE", "IR", "FBP", "SHARP", "SMOOTH", "DETAIL", "STD", "MEDIASTINAL",
    "PERFUSION", "CALCIUM", "SCORE", "TOPOGRAM", "SCANOGRAM", "SURVIEW", "PILOT", "RECONSTRUCTION", "THIN",
    "THICK", "SLAB", "MINIP", "AVG", "AVERAGE", "VR", "VRT", "SSD", "CPR", "HU", "ROI", "MEAN", "SD", "MIN",
    "MAX", "SUM", "PERIM", "DISTANCE", "RATIO", "INDEX", "PIXEL", "IV", "ORAL", "DELAYED", "PORTAL", "NATIVE",
    "PLAIN", "ENHANCED", "GD", "GADO", "BOLUS", "TRACKING", "MSEC", "GY", "CGY", "MSV", "SSDE", "DAP", "ESD",
    "SENS", "LGM", "REX", "EXI", "AEC", "CU", "MO", "RH", "FOCAL", "LARGE", "SOD", "COMPRESSION",
    "THICKNESS", "ANODE", "TARGET", "MAGNIFICATION", "SLICES", "SECTION", "TABLE", "HEIGHT", "FEET", "FIRST",
    "FF", "HF",
    # MR technique
    "NSA", "SP", "GAP", "ST", "DTI", "SWAN", "PC", "FIESTA", "TRUFI", "BFFE", "SSFP", "HASTE", "SSFSE", "SPGR",
    "FSPGR", "MPRAGE", "BRAVO", "VIBE", "LAVA", "THRIVE", "IDEAL", "FATSAT", "FAT", "SAT", "WATER", "INPHASE",
    "OPPOSED", "OOP", "IP", "OP", "BOLD", "ASL", "PERF", "DCE", "DSC", "MRS", "TAGGING", "LGE", "PSIR", "MOLLI",
    "TRACE", "EADC", "COIL", "BODY", "FLEX", "ARRAY", "TORSO", "WRIST", "ANKLE", "ELBOW", "FOOT", "HAND",
    "ENC", "DIR", "SI", "FH", "BAND", "NAV", "TRIGGER", "GATING", "BH", "FB", "RESP", "SHIM", "ACQ",
    "ACQUISITION", "SEQ", "SEQUENCE", "PROTOCOL", "FREQUENCY", "FIELD", "STRENGTH", "SLICE", "MULTI", "SINGLE",
    "SHOT", "ECHOES", "SPIN", "GRADIENT", "INVERSION", "RECOVERY", "TURBO", "FAST", "DIFFUSION", "WEIGHTED",
    # ultrasound controls, measurements and anatomy
    "PWD", "CD", "CPD", "SPECKLE", "XBEAM", "SONOCT", "ASC", "DTCE", "EDGE", "ENH", "ENHANCE", "ZONES", "ZONE",
    "LINES", "DENSITY", "ELASTO", "STRAIN", "SHEAR", "WAVE", "SWE", "KPA", "CEUS", "BIOPSY", "GUIDE",
    "NEEDLE", "TRAPEZOID", "PANORAMIC", "EXTENDED", "PANO", "STIC", "VCI", "SAMPLE", "CORR", "CORRECTION",
    "INVERT", "TAMAX", "TAMV", "ACCEL", "PG", "MPG", "MAXPG", "VMAX", "VMEAN", "LVOT", "RVOT", "EF",
    "LVIDD", "LVIDS", "IVS", "LVPW", "AO", "AV", "MV", "TV", "PV", "DT", "IVRT", "TAPSE", "RVSP",
    "AR", "SVC", "IVC", "RK", "LK", "ENDOMETRIUM", "OVARIES", "ADNEXA", "CERVIX", "LOBE", "NODE", "LYMPH",
    "AXILLA", "NIPPLE", "OCLOCK", "FN", "CMFN", "TESTICLE", "EPIDIDYMIS", "CCA", "ICA", "ECA", "VA",
    "VERTEBRAL", "SUBCLAVIAN", "JUGULAR", "IJV", "CFV", "SFV", "POP", "POPLITEAL", "GSV", "SSV", "PTA", "DPA",
    "HEPATIC", "SPLENIC", "SMA", "CELIAC", "FETUS", "PLACENTA", "MVP", "BPP", "NB", "HL", "SAC", "GS", "YS",
    "YOLK", "EMBRYO", "TWIN", "PRESENTATION", "CEPHALIC", "BREECH", "APPENDIX", "BOWEL", "COLON", "STOMACH",
    "ESOPHAGUS", "DUODENUM", "ILEUM", "RECTUM", "ADRENAL", "URETER", "URETHRA", "TRACHEA", "BRONCHUS",
    "PLEURA", "PLEURAL", "EFFUSION", "PERICARDIAL", "ASCITES", "FREE", "WALL", "ABSCESS", "HEMATOMA", "THROMBUS",
    "PLAQUE", "STENOSIS", "FLOW", "REFLUX", "COMPRESSIBLE", "PATENT", "OCCLUDED", "MUSCLE", "TENDON", "LIGAMENT",
    "JOINT", "CARTILAGE", "MENISCUS", "ROTATOR", "CUFF", "SUPRASPINATUS", "INFRASPINATUS", "SUBSCAPULARIS",
    "BICEPS", "TRICEPS", "ACHILLES", "PLANTAR", "FASCIA", "SKULL", "ORBIT", "ORBITS", "SINUS", "SINUSES", "FACE",
    "MANDIBLE", "CERVICAL", "THORACIC", "LUMBAR", "SACRUM", "COCCYX", "PELVIC", "FEMUR", "TIBIA", "FIBULA",
    "HUMERUS", "RADIUS", "ULNA", "CLAVICLE", "SCAPULA", "RIBS", "RIB", "STERNUM", "CALCANEUS", "FINGER", "TOE",
    "THUMB", "FOREARM", "ARM", "LEG", "THIGH", "CALF", "ABDOMINAL", "AORTIC", "MITRAL", "TRICUSPID", "PULMONARY",
    "PULMONIC", "VALVE", "ATRIUM", "VENTRICLE", "SEPTUM", "APEX", "BASE", "ROOT", "ARCH", "ASCENDING",
    "DESCENDING", "TRANSVAGINAL", "TRANSABDOMINAL", "TA", "TVUS", "TRUS", "ENDOCAVITY",
    # console words
    "PRINT", "SAVE", "SAVED", "ARCHIVE", "EXPORT", "SEND", "SENT", "LIVE", "FROZEN", "CAPTURE", "CLIP", "LOOP",
    "END", "START", "PAUSE", "PLAY", "NEXT", "PREV", "MENU", "TOTAL", "RESULT", "RESULTS", "MEASUREMENT", "MEAS",
    "CALC", "CALCS", "WORKSHEET", "MANUAL", "DEFAULT", "PRESET", "SETTINGS", "NEG", "POS", "IN", "OUT", "AND",
    "FOR", "PROGRESS", "READY", "PROCESSING", "WAIT", "PLEASE", "ACQUIRED", "COMPRESSED", "LOSSY",
    "LOSSLESS", "NOT", "USE", "ORIGINAL", "DERIVED", "PRIMARY", "SECONDARY",
    "REFORMAT", "REFORMATTED", "INJ", "INJECTION", "OPT", "COL", "EV", "FIT", "UNIT", "VOLUMEN", "SURFACE",
    "CARD", "MAPE", "OPTIMAL", "NORM",
    # technical phrases that hold a word of a PHI label
    "PROTOCOL NAME", "SERIES NAME", "SEQUENCE NAME", "SERIES ID", "IMAGE ID", "PATIENT POSITION",
    "PATIENT ORIENTATION", "GEST AGE", "GESTATIONAL AGE", "FETAL AGE", "BONE AGE", "US AGE", "CUA AGE",
    "AUA AGE", "SCAN TIME", "ACQ TIME", "ACQUISITION TIME", "ECHO TIME", "REPETITION TIME", "INVERSION TIME",
    "DELAY TIME", "EXPOSURE TIME", "FLUORO TIME", "TOTAL TIME", "PROBE NAME", "PRESET NAME",
)
"""Clinical annotation words that stay under every masking policy (case-insensitive). A line is
safe only when every token is one of these, a number or a measurement, and it shows no PHI shape;
words that name institutions (`INSTITUTION_WORDS`) or are labels of PHI are never listed here."""


UNITS: frozenset[str] = frozenset({
    "MM", "CM", "M", "UM", "NM", "KM", "HZ", "KHZ", "MHZ", "DB", "MS", "US", "S", "SEC", "MIN", "H", "BPM", "FPS",
    "KV", "KVP", "MA", "MAS", "UA", "MGY", "GY", "CGY", "MSV", "USV", "PX", "DEG", "ML", "L", "MG", "KG", "G", "CC",
    "X", "%", "T", "MT", "CM2", "MM2", "CM3", "MM3", "CM/S", "MM/S", "M/S", "ML/S", "MMHG", "W", "MW", "HU", "KEV",
    "MEV", "MBQ", "MCI", "CPS", "ST", "ND", "RD", "TH", "DPI", "LP", "LPMM", "V", "KW", "SLICES", "IMG", "IMAGES",
    "°", "MV", "KPA", "MMOL",
})
"""Units that make a number a measurement (`180MM`, `36HZ`) rather than an identifier."""


# --- people and places ---------------------------------------------------------------

COMMON_GIVEN_NAMES = frozenset(alpha_canon(name) for name in (
    # frequent given names across English, Romance, Germanic, Slavic and Arabic naming; words that are
    # also ordinary or technical terms (MARK, MAX, RAY, GRACE, IRIS, JUNE, ...) are left out on purpose
    "JOHN", "JAMES", "ROBERT", "MICHAEL", "WILLIAM", "DAVID", "RICHARD", "JOSEPH", "THOMAS", "CHARLES",
    "CHRISTOPHER", "DANIEL", "MATTHEW", "ANTHONY", "DONALD", "STEVEN", "STEPHEN", "PAUL", "ANDREW", "JOSHUA",
    "KENNETH", "KEVIN", "BRIAN", "GEORGE", "EDWARD", "RONALD", "TIMOTHY", "JASON", "JEFFREY", "RYAN", "JACOB",
    "GARY", "NICHOLAS", "ERIC", "JONATHAN", "LARRY", "JUSTIN", "SCOTT", "BRANDON", "BENJAMIN", "SAMUEL",
    "GREGORY", "ALEXANDER", "RAYMOND", "PATRICK", "DENNIS", "JERRY", "TYLER", "AARON", "HENRY", "DOUGLAS",
    "NATHAN", "PETER", "ZACHARY", "KYLE", "WALTER", "HAROLD", "JEREMY", "ETHAN", "CARL", "KEITH", "ROGER",
    "GERALD", "CHRISTIAN", "TERRY", "SEAN", "ARTHUR", "NOAH", "LAWRENCE", "JESSE", "BRYAN", "ALBERT", "DYLAN",
    "BRUCE", "GABRIEL", "ALAN", "WAYNE", "RALPH", "EUGENE", "VINCENT", "RUSSELL", "LOUIS", "PHILIP", "BRADLEY",
    "MARY", "PATRICIA", "JENNIFER", "LINDA", "ELIZABETH", "BARBARA", "SUSAN", "JESSICA", "SARAH", "KAREN",
    "NANCY", "LISA", "BETTY", "MARGARET", "SANDRA", "ASHLEY", "KIMBERLY", "EMILY", "DONNA", "MICHELLE",
    "DOROTHY", "CAROL", "AMANDA", "MELISSA", "DEBORAH", "STEPHANIE", "REBECCA", "SHARON", "LAURA", "CYNTHIA",
    "KATHLEEN", "SHIRLEY", "ANGELA", "HELEN", "ANNA", "BRENDA", "PAMELA", "NICOLE", "EMMA", "SAMANTHA",
    "KATHERINE", "CHRISTINE", "DEBRA", "RACHEL", "CATHERINE", "CAROLYN", "JANET", "MARIA", "HEATHER", "DIANE",
    "JULIE", "JOYCE", "VICTORIA", "OLIVIA", "CHRISTINA", "LAUREN", "JOAN", "EVELYN", "JUDITH", "MEGAN",
    "CHERYL", "ANDREA", "HANNAH", "MARTHA", "JACQUELINE", "FRANCES", "GLORIA", "TERESA", "KATHRYN", "JANICE",
    "JEAN", "ALICE", "DORIS", "JULIA", "JUDY", "DENISE", "MARILYN", "BEVERLY", "CHARLOTTE", "MARIE", "DIANA",
    "NATALIE", "SOPHIA", "SOPHIE", "ISABELLA", "JANE", "LUCY", "MUHAMMAD", "MOHAMMED", "MOHAMED", "AHMED",
    "FATIMA", "AISHA", "HASSAN", "HUSSEIN", "YUSUF", "IBRAHIM", "CARLOS", "LUIS", "JUAN", "MIGUEL", "PEDRO",
    "JAVIER", "ANTONIO", "FRANCISCO", "MANUEL", "ALEJANDRO", "LUCIA", "CARMEN", "ISABEL", "ELENA", "SOFIA",
    "GIUSEPPE", "GIOVANNI", "MARCO", "FRANCESCO", "GIULIA", "CHIARA", "PIERRE", "JACQUES", "NICOLAS",
    "FRANCOIS", "JULIEN", "CAMILLE", "MATHILDE", "HANS", "KLAUS", "JURGEN", "WOLFGANG", "STEFAN", "ANDREAS",
    "SABINE", "URSULA", "MONIKA", "PIOTR", "KRZYSZTOF", "TOMASZ", "AGNIESZKA", "KATARZYNA", "IVAN", "DMITRY",
    "SERGEI", "OLGA", "TATIANA", "SVETLANA", "NATALIA", "LARS", "SVEN", "ANDERS", "INGRID", "ASTRID", "JOHAN",
))
"""Common given names, for spotting `John Doe` when the header has been scrubbed."""


NAME_TITLES = frozenset({
    "DR", "MD", "DO", "PHD", "MR", "MRS", "MS", "MISS", "PROF", "JR", "SR", "II", "III", "IV", "RN", "RT", "DDS",
    "DVM", "MBBS", "FRCR", "SIR", "DAME", "REV",
})
"""Name prefixes and suffixes: shown next to names, never identifying on their own."""

COMMON_WORDS = frozenset({
    "THE", "OF", "AND", "FOR", "AT", "IN", "ON", "A", "AN", "TO", "BY", "DE", "LA", "LE", "DU", "DES", "DER",
    "DIE", "DEL", "DI", "Y", "ET", "UND", "VON", "VAN", "DA", "DOS", "AM", "IM", "&",
})
"""Words too common to identify anything when they appear alone."""

GENERIC_PLACE_WORDS = frozenset({
    "HOSPITAL", "HOSPITALS", "HOSP", "CLINIC", "CLINICS", "KLINIK", "KLINIKUM", "MEDICAL", "MEDICINE", "CENTER",
    "CENTRE", "CTR", "HEALTH", "HEALTHCARE", "CARE", "SYSTEM", "SYSTEMS", "UNIVERSITY", "UNIV", "UNIVERSITAT",
    "COLLEGE", "INSTITUTE", "INSTITUT", "DEPARTMENT", "DEPT", "RADIOLOGY", "IMAGING", "DIAGNOSTIC", "DIAGNOSTICS",
    "SERVICES", "SERVICE", "GENERAL", "REGIONAL", "COMMUNITY", "MEMORIAL", "SAINT", "ST", "MOUNT", "MT", "NORTH",
    "SOUTH", "EAST", "WEST", "CITY", "COUNTY", "STATE", "NATIONAL", "CHILDREN", "CHILDRENS", "WOMENS", "INC",
    "LLC", "LTD", "GMBH", "CORP", "ROOM", "SUITE", "FLOOR", "BLDG", "BUILDING", "STREET", "AVE", "AVENUE", "ROAD",
    "RD", "DRIVE", "BLVD", "LANE", "ULTRASOUND", "MRI", "CT", "XRAY", "NUCLEAR", "CARDIOLOGY", "ONCOLOGY",
    "EMERGENCY", "ER", "ED", "OR", "ICU", "LAB", "UNIT", "WARD", "OFFICE", "GROUP", "ASSOCIATES", "PARTNERS",
    "NETWORK", "FOUNDATION", "TRUST", "NHS", "SCHOOL", "FACULTY", "OUTPATIENT", "INPATIENT", "MAIN", "CAMPUS",
    "PRACTICE", "SURGERY", "SPECIALTY", "HEART", "VASCULAR", "WOMEN", "MEN",
})
"""Words of institution names and addresses that say nothing on their own (`CLINIC`, `RADIOLOGY`)."""


INSTITUTION_WORDS = frozenset(alpha_canon(word) for word in (
    "HOSPITAL", "HOSPITALS", "HOSP", "HOPITAL", "OSPEDALE", "KRANKENHAUS", "CLINIC", "CLINICS", "CLINICA",
    "CLINIQUE", "KLINIK", "KLINIKUM", "CENTER", "CENTRE", "CTR", "MEDICAL", "MEDICINE", "UNIVERSITY",
    "UNIVERSITAIR", "UNIVERSITAT", "UNIVERSITE", "UNIV", "INSTITUTE", "INSTITUT", "INSTITUTO", "RADIOLOGY",
    "RADIOLOGIE", "RADIOLOGIA", "NEURORADIOLOGY", "DEPARTMENT", "DEPT", "IMAGING", "HEALTH",
    "INFIRMARY", "SANATORIUM", "ASSOCIATES", "FOUNDATION", "TRUST", "NHS", "FACULTY", "COLLEGE", "SCHOOL",
    "CARDIOLOGY", "ONCOLOGY", "UROLOGY", "NEUROLOGY", "PEDIATRICS", "PAEDIATRICS", "PEDIATRIC", "ORTHOPEDICS",
    "ORTHOPAEDICS", "ORTHOPEDIC", "OBSTETRICS", "GYNECOLOGY", "GYNAECOLOGY", "EMERGENCY", "INTERVENTIONAL",
    "SUITE", "LAB", "LABORATORY", "ICU", "NICU", "PICU", "CCU", "PACU", "CAMPUS", "PAVILION", "PRACTICE",
    "PARTNERS", "NETWORK", "MEMORIAL", "REGIONAL", "COMMUNITY", "CHILDRENS", "CHILDREN", "WOMENS",
))
"""Words of institution and department names (`Providence Emergency Center`, `MRI Suite`): a line
holding one is an institution even when the header has none to match (OCR-folded spelling)."""

LOCATION_WORDS = frozenset(alpha_canon(word) for word in (
    "ROOM", "RM", "BED", "WARD", "BAY", "FLOOR", "WING", "BLDG", "BUILDING", "STATION", "LOCATION", "ER", "OR",
))
"""Words that place a patient (`Room 12A`, `Bed 3`, `ER 4`): with a number beside them they are PHI."""

SEX_WORDS = frozenset({"M", "F", "MALE", "FEMALE", "O", "U", "W", "MASC", "FEM"})
"""Values of a patient's sex as consoles print them (`83 M`, `F/67`, `Sex: F`)."""

SEX_LABELS = frozenset({"SEX", "GENDER", "GESCHLECHT", "SEXE"})
"""Labels of a patient's sex."""

AGE_LABELS = frozenset({"AGE", "ALTER", "EDAD"})
"""Labels of a patient's age."""

# --- PHI labels ----------------------------------------------------------------------

PHI_LABELS: tuple[tuple[str, Label, str, bool], ...] = (
    ("NAME", Label.NAME, "Name", False),
    ("PATIENT", Label.NAME, "Patient", False),
    ("PATIENTNAME", Label.NAME, "Name", False),
    ("PT", Label.NAME, "Pt", True),
    ("PAT", Label.NAME, "Pat", True),
    ("PHYSICIAN", Label.NAME, "Physician", False),
    ("PHYS", Label.NAME, "Physician", True),
    ("DOCTOR", Label.NAME, "Physician", False),
    ("DR", Label.NAME, "Dr", True),
    ("REF", Label.NAME, "Ref", True),
    ("REFERRING", Label.NAME, "Ref", False),
    ("RADIOLOGIST", Label.NAME, "Physician", False),
    ("OPERATOR", Label.NAME, "Operator", False),
    ("OPER", Label.NAME, "Operator", True),
    ("SONOGRAPHER", Label.NAME, "Operator", False),
    ("TECHNOLOGIST", Label.NAME, "Operator", False),
    ("TECH", Label.NAME, "Operator", True),
    ("DOB", Label.DATE, "DOB", False),
    ("BIRTH", Label.DATE, "DOB", False),
    ("BIRTHDATE", Label.DATE, "DOB", False),
    ("BIRTHDAY", Label.DATE, "DOB", False),
    ("BORN", Label.DATE, "DOB", True),
    ("MRN", Label.ID, "MRN", False),
    ("MR", Label.ID, "MRN", True),
    ("ID", Label.ID, "ID", True),
    ("PID", Label.ID, "ID", False),
    ("PATID", Label.ID, "ID", False),
    ("ACC", Label.ID, "Acc", True),
    ("ACCN", Label.ID, "Acc", True),
    ("ACCESSION", Label.ID, "Acc", False),
    ("AGE", Label.AGE, "Age", False),
    ("SEX", Label.AGE, "Sex", False),
    ("GENDER", Label.AGE, "Sex", False),
    ("HOSPITAL", Label.INSTITUTION, "Hospital", False),
    ("INSTITUTION", Label.INSTITUTION, "Inst", False),
    ("INST", Label.INSTITUTION, "Inst", True),
    ("FACILITY", Label.INSTITUTION, "Inst", False),
    ("SSN", Label.CONTACT, "Contact", False),
    ("PHONE", Label.CONTACT, "Contact", False),
    ("TEL", Label.CONTACT, "Contact", True),
    ("ADDRESS", Label.CONTACT, "Contact", False),
    ("ADDR", Label.CONTACT, "Contact", True),
    ("EMAIL", Label.CONTACT, "Contact", False),
    ("NOM", Label.NAME, "Name", True),
    ("NOMBRE", Label.NAME, "Name", True),
    ("NAAM", Label.NAME, "Name", True),
    ("READ", Label.NAME, "Physician", True),
    ("READER", Label.NAME, "Physician", False),
    ("REPORTED", Label.NAME, "Physician", False),
    ("REPORTING", Label.NAME, "Physician", False),
    ("SIGNED", Label.NAME, "Physician", False),
    ("ATTENDING", Label.NAME, "Physician", False),
    ("RESIDENT", Label.NAME, "Physician", False),
    ("SURGEON", Label.NAME, "Physician", False),
    ("REQUESTING", Label.NAME, "Physician", False),
    ("ORDERING", Label.NAME, "Physician", False),
    ("PERFORMING", Label.NAME, "Operator", False),
    ("PERFORMED", Label.NAME, "Operator", False),
    ("NURSE", Label.NAME, "Operator", True),
    ("TIME", Label.TIME, "Time", True),
    ("DATE", Label.DATE, "Date", True),
    ("EXAM", Label.ID, "Exam", True),
    ("REQ", Label.ID, "ID", True),
    ("ORDER", Label.ID, "ID", True),
    ("VISIT", Label.ID, "ID", True),
    ("ENCOUNTER", Label.ID, "ID", False),
    ("HOSPNO", Label.ID, "ID", False),
    ("SITE", Label.INSTITUTION, "Inst", True),
    ("LOCATION", Label.PHI_OTHER, "Location", True),
)
"""(word, label, display name, needs punctuation after it): words that announce a PHI value
(`Name:`, `DOB`, `Acc#`). The display name is fixed, so it is safe to log as a rule name."""

LABEL_CONNECTORS = frozenset((
    "NAME", "ID", "NO", "NR", "NUM", "NUMBER", "NBR", "DATE", "OF", "PHYS", "PHYSICIAN", "DR", "BIRTH", "DOB",
    "BY",
))
"""Words that continue a label (`Patient Name`, `Acc No`, `Date of Birth`) rather than start its value."""
LABEL_PREFIX_EXCLUDES: dict[Label, frozenset[str]] = {
    Label.NAME: frozenset((
        "PROTOCOL", "SERIES", "STUDY", "FILE", "PROBE", "TRANSDUCER", "PRESET", "EXAM", "DEVICE", "STATION", "APP",
        "APPLICATION", "SOFTWARE", "MODEL", "SEQUENCE", "SCAN", "PROGRAM", "MANUFACTURER", "BODY", "PART", "ORGAN",
        "IMAGE", "VIEW", "HOST", "AE", "NETWORK", "PRINTER",
    )),
    Label.ID: frozenset((
        "SERIES", "IMAGE", "INSTANCE", "FRAME", "PROTOCOL", "PROBE", "TRANSDUCER", "SOFTWARE", "SEQUENCE", "SCAN",
        "PRESET", "APP", "AE", "HOST", "STATION",
    )),
    Label.AGE: frozenset((
        "GEST", "GESTATIONAL", "GA", "FETAL", "BONE", "EST", "MENSTRUAL", "LMP", "CUA", "AUA", "US", "CLINICAL",
    )),
    Label.TIME: frozenset((
        "SCAN", "ACQ", "ACQUISITION", "ECHO", "REPETITION", "INVERSION", "DELAY", "RISE", "TRANSIT", "EXPOSURE",
        "FLUORO", "TOTAL", "ELAPSED", "GAIN", "DECELERATION", "ACCELERATION", "RELAXATION", "PREP", "TRAVEL", "MIX",
        "MIXING", "DWELL", "FILL", "EJECTION", "RUN",
    )),
    Label.DATE: frozenset((
        "CALIBRATION", "SOFTWARE", "EXPIRY", "EXPIRATION", "DUE",
    )),
    Label.PHI_OTHER: frozenset(("SLICE", "TABLE", "IMAGE", "COUCH", "BED")),
}
"""A word before a label that makes it a different field (`Protocol Name`, `Gest. Age`)."""
LABEL_SUFFIX_EXCLUDES = frozenset((
    "POSITION", "ORIENTATION", "SIZE", "WEIGHT", "HEIGHT", "SEX", "GENDER", "TYPE", "STATUS", "HISTORY", "COMMENTS",
    "COMMENT", "PREP", "LIST", "INFO", "DATA", "MODE", "SETUP", "ENTRY", "SELECT", "BROWSER", "DIRECTORY", "TABLE",
))
"""A word right after a label without punctuation that makes it a compound term (`Patient Position`)."""
