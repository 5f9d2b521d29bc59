"""The facts the demo world is built from: organisations, licences, countries, names.

Dates of signature come from the press releases (the SGS licence of July 2017, China and
India first; TÜV Rheinland in China; Phase III from December 2017). Licences still in
force run to the end of the year after next, counted from the seeding month, so the demo
never drifts out of its own licences.
"""

from datetime import date

from partners.models import Licence, Role

ILO = "International Labour Organization"
SGS = "SGS"
TUV = "TÜV Rheinland"
ETI = "Ethical Trading Initiative"
SENA = "Servicio Nacional de Aprendizaje (SENA)"
PSA = "Productivity SA"
INDITEX = "Inditex"
ADIDAS = "Adidas"
SECO = "State Secretariat for Economic Affairs (SECO)"
NORAD = "Norwegian Agency for Development Cooperation (Norad)"
CANADA = "Global Affairs Canada"

# name, short name, kind, countries, website
ORGANISATIONS = [
    (ILO, "ILO", "ilo", ["CH"], "https://www.ilo.org/score"),
    (SGS, "SGS", "partner", [], "https://www.sgs.com"),
    (TUV, "TÜV", "partner", [], "https://www.tuv.com"),
    (ETI, "ETI", "partner", [], "https://www.ethicaltrade.org"),
    (SENA, "SENA", "partner", [], "https://www.sena.edu.co"),
    (PSA, "PSA", "partner", [], "https://www.productivitysa.co.za"),
    (INDITEX, "Inditex", "brand", ["ES"], "https://www.inditex.com"),
    (ADIDAS, "Adidas", "brand", ["DE"], "https://www.adidas-group.com"),
    (SECO, "SECO", "donor", ["CH"], "https://www.seco.admin.ch"),
    (NORAD, "Norad", "donor", ["NO"], "https://www.norad.no"),
    (CANADA, "Canada", "donor", ["CA"], "https://www.international.gc.ca"),
]
PARTNERS = [SGS, TUV, ETI, SENA, PSA]
BRANDS = [INDITEX, ADIDAS]
DEMO_ORGANISATIONS = [row[0] for row in ORGANISATIONS]

ALL_MODULES = ("WCO", "QM", "CP", "HRM", "OSH")
IN_FORCE = None  # valid_until placeholder: the end of the year after next

# reference, partner, countries, modules, valid_from, valid_until, status
LICENCES = [
    ("SGS-2017-01", SGS, ["CN", "IN"], ALL_MODULES, date(2017, 7, 4), IN_FORCE, "active"),
    (
        "SGS-2019-02",
        SGS,
        ["VN", "ID", "BD", "TR", "LK", "MM"],
        ALL_MODULES,
        date(2019, 1, 15),
        IN_FORCE,
        "active",
    ),
    (
        "SGS-2021-03",
        SGS,
        ["PE", "BO", "GH", "ET", "TN"],
        ALL_MODULES,
        date(2021, 3, 1),
        IN_FORCE,
        "active",
    ),
    ("TUV-2014-01", TUV, ["CN"], ALL_MODULES, date(2014, 3, 1), date(2017, 2, 28), "active"),
    ("TUV-2017-02", TUV, ["CN"], ALL_MODULES, date(2017, 3, 1), IN_FORCE, "active"),
    ("ETI-2016-01", ETI, ["CN", "IN", "BD"], ALL_MODULES, date(2016, 1, 1), IN_FORCE, "active"),
    ("ETI-2019-02", ETI, ["TR"], ("WCO", "OSH"), date(2019, 5, 1), IN_FORCE, "suspended"),
    (
        "SENA-2012-01",
        SENA,
        ["CO"],
        ("WCO", "QM", "OSH"),
        date(2012, 6, 1),
        date(2016, 12, 31),
        "terminated",
    ),
    # SENA's current licence leaves Clean Production out: Colombian enterprises never take it.
    (
        "SENA-2017-02",
        SENA,
        ["CO"],
        ("WCO", "QM", "HRM", "OSH"),
        date(2017, 1, 1),
        IN_FORCE,
        "active",
    ),
    ("PSA-2015-01", PSA, ["ZA"], ALL_MODULES, date(2015, 4, 1), date(2018, 3, 31), "active"),
    ("PSA-2018-02", PSA, ["ZA"], ALL_MODULES, date(2018, 4, 1), IN_FORCE, "active"),
]
assert all(row[6] in Licence.Status.values for row in LICENCES)

# username, first name, last name, organisation, role, is_staff, is_superuser
DEMO_LOGINS = [
    ("ilo.admin", "Ingrid", "Larsen", ILO, Role.ILO_ADMIN, True, True),
    ("ilo.officer", "Olivier", "Mbeki", ILO, Role.ILO_OFFICER, True, False),
    ("sgs.manager", "Sunita", "Menon", SGS, Role.PARTNER_MANAGER, False, False),
    ("sgs.staff", "Chen", "Jing", SGS, Role.PARTNER_STAFF, False, False),
    ("tuv.manager", "Thomas", "Vogel", TUV, Role.PARTNER_MANAGER, False, False),
    ("eti.manager", "Emma", "Thornton", ETI, Role.PARTNER_MANAGER, False, False),
    ("inditex.viewer", "Irene", "Vidal", INDITEX, Role.BRAND_VIEWER, False, False),
    ("adidas.viewer", "Anke", "Dorn", ADIDAS, Role.BRAND_VIEWER, False, False),
]
DEMO_USERNAMES = [row[0] for row in DEMO_LOGINS]
# Who answers a brand's supplier-link request for each partner's enterprises.
LINK_DECIDER = {SGS: "sgs.manager", TUV: "tuv.manager", ETI: "eti.manager"}
# Who reports the monthly KPIs of each partner's enterprises on the platform.
KPI_REPORTER = {SGS: "sgs.staff", TUV: "tuv.manager", ETI: "eti.manager"}

# country: (weight %, {partner: weight}, currency, USD rate, legal suffix, cities)
COUNTRIES = {
    "CN": (19, {SGS: 40, TUV: 35, ETI: 25}, "CNY", 7.2, "Co., Ltd.",
           ["Guangzhou", "Shenzhen", "Dongguan", "Ningbo", "Chengdu", "Deyang"]),
    "IN": (11, {SGS: 70, ETI: 30}, "INR", 83.0, "Pvt. Ltd.",
           ["Tiruppur", "Bengaluru", "Chennai", "Gurugram", "Ludhiana"]),
    "VN": (9, {SGS: 1}, "VND", 24500.0, "Co., Ltd.",
           ["Ho Chi Minh City", "Hanoi", "Binh Duong", "Dong Nai"]),
    "ID": (8, {SGS: 1}, "IDR", 15500.0, "Tbk",
           ["Jakarta", "Bandung", "Semarang", "Surabaya"]),
    "BD": (7, {SGS: 65, ETI: 35}, "BDT", 110.0, "Ltd.",
           ["Dhaka", "Gazipur", "Chattogram", "Narayanganj"]),
    "TR": (6, {SGS: 1}, "TRY", 32.0, "A.Ş.", ["Istanbul", "Izmir", "Bursa", "Denizli"]),
    "GH": (5, {SGS: 1}, "GHS", 13.0, "Ltd.", ["Accra", "Kumasi", "Tema"]),
    "ZA": (5, {PSA: 1}, "ZAR", 18.5, "(Pty) Ltd",
           ["Johannesburg", "Durban", "Cape Town", "Gqeberha"]),
    "CO": (6, {SENA: 1}, "COP", 3950.0, "S.A.S.", ["Bogotá", "Medellín", "Cali", "Barranquilla"]),
    "PE": (5, {SGS: 1}, "PEN", 3.7, "S.A.C.", ["Lima", "Arequipa", "Trujillo"]),
    "BO": (4, {SGS: 1}, "BOB", 6.9, "S.R.L.",
           ["La Paz", "El Alto", "Santa Cruz de la Sierra", "Cochabamba"]),
    "MM": (3, {SGS: 1}, "MMK", 2100.0, "Co., Ltd.", ["Yangon", "Mandalay"]),
    "LK": (5, {SGS: 1}, "LKR", 300.0, "(Pvt) Ltd", ["Colombo", "Katunayake", "Kandy"]),
    "ET": (4, {SGS: 1}, "ETB", 57.0, "PLC", ["Addis Ababa", "Hawassa", "Mekelle"]),
    "TN": (3, {SGS: 1}, "TND", 3.1, "SARL", ["Tunis", "Sousse", "Sfax", "Monastir"]),
}  # fmt: skip
assert sum(row[0] for row in COUNTRIES.values()) == 100

LANGUAGES = {
    "CN": ["zh", "en"], "IN": ["hi", "ta", "en"], "VN": ["vi", "en"], "ID": ["id", "en"],
    "BD": ["bn", "en"], "TR": ["tr", "en"], "GH": ["en"], "ZA": ["en", "zu", "af"],
    "CO": ["es"], "PE": ["es", "qu"], "BO": ["es"], "MM": ["my", "en"], "LK": ["si", "ta", "en"],
    "ET": ["am", "en"], "TN": ["ar", "fr"],
}  # fmt: skip

# sector: weight per country (absent means 0)
SECTOR_MIX = {
    "CN": {"electronics": 25, "garments": 20, "footwear": 10, "automotive": 10, "metal": 10,
           "chemicals": 10, "furniture": 7, "food": 5, "other": 3},
    "IN": {"garments": 30, "automotive": 15, "footwear": 10, "metal": 10, "chemicals": 10,
           "food": 10, "electronics": 5, "other": 10},
    "VN": {"garments": 30, "footwear": 25, "electronics": 15, "furniture": 15, "food": 10,
           "other": 5},
    "ID": {"garments": 25, "footwear": 25, "furniture": 15, "food": 15, "chemicals": 10,
           "other": 10},
    "BD": {"garments": 80, "footwear": 10, "other": 10},
    "TR": {"garments": 50, "automotive": 20, "metal": 15, "food": 10, "other": 5},
    "GH": {"food": 40, "hospitality": 20, "metal": 10, "chemicals": 10, "furniture": 10,
           "other": 10},
    "ZA": {"automotive": 25, "food": 25, "metal": 15, "chemicals": 15, "garments": 10,
           "other": 10},
    "CO": {"food": 25, "garments": 20, "hospitality": 15, "chemicals": 15, "metal": 10,
           "automotive": 5, "other": 10},
    "PE": {"garments": 30, "food": 30, "hospitality": 15, "metal": 10, "other": 15},
    "BO": {"food": 35, "garments": 20, "hospitality": 15, "furniture": 15, "other": 15},
    "MM": {"garments": 60, "food": 20, "hospitality": 10, "other": 10},
    "LK": {"garments": 50, "food": 20, "hospitality": 15, "chemicals": 5, "other": 10},
    "ET": {"garments": 40, "footwear": 20, "food": 20, "furniture": 10, "other": 10},
    "TN": {"garments": 30, "automotive": 25, "electronics": 20, "food": 15, "other": 10},
}  # fmt: skip

# sector: (share of women in the workforce, words for names, productivity baseline median)
SECTORS = {
    "garments": (0.72, ["Garments", "Apparel", "Knitwear", "Textiles"], 1.8),
    "footwear": (0.62, ["Footwear", "Shoes", "Leather Works"], 1.2),
    "electronics": (0.52, ["Electronics", "Circuits", "Components"], 6.0),
    "automotive": (0.22, ["Auto Parts", "Motor Components", "Precision Parts"], 3.0),
    "food": (0.45, ["Foods", "Beverages", "Agro-Processing"], 25.0),
    "furniture": (0.25, ["Furniture", "Woodcraft", "Timber Products"], 0.6),
    "chemicals": (0.28, ["Plastics", "Chemicals", "Polymers"], 12.0),
    "metal": (0.14, ["Engineering", "Metalworks", "Castings"], 2.5),
    "hospitality": (0.55, ["Hotel", "Resort", "Hospitality Group"], 1.5),
    "other": (0.38, ["Industries", "Manufacturing", "Enterprises"], 4.0),
}
NAME_WORDS = [
    "Golden", "Bright", "United", "Star", "Green Valley", "Pioneer", "Royal", "Eastern",
    "New Horizon", "Sunrise", "Evergreen", "Harmony", "Summit", "Lotus", "Atlas", "Crystal",
    "Silver River", "Everbright", "Prime", "Delta", "Orchid", "Phoenix", "Coral", "Highland",
]  # fmt: skip

# Which brand sources where, and how likely a garment or footwear supplier there links.
BRAND_COUNTRIES = {
    INDITEX: {"TR": 0.55, "BD": 0.25, "IN": 0.2, "PE": 0.15, "CN": 0.08, "TN": 0.1, "MM": 0.1},
    ADIDAS: {"VN": 0.45, "ID": 0.4, "CN": 0.12, "IN": 0.1, "BD": 0.08, "TR": 0.05},
}
BRAND_SECTORS = {"garments": 1.0, "footwear": 1.0}  # other sectors link at 15 % of that

# country: (female given names, male given names, family names, family name first)
PEOPLE = {
    "CN": (["Fang", "Jing", "Min", "Xiuying", "Yan", "Hui", "Lan", "Mei"],
           ["Wei", "Jun", "Lei", "Qiang", "Hao", "Tao", "Ming", "Jian"],
           ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"], True),
    "IN": (["Priya", "Anjali", "Lakshmi", "Kavitha", "Sunita", "Meena", "Deepa", "Revathi"],
           ["Rajesh", "Suresh", "Arun", "Vikram", "Manoj", "Karthik", "Ravi", "Sanjay"],
           ["Kumar", "Sharma", "Patel", "Singh", "Reddy", "Iyer", "Nair", "Gupta", "Das"], False),
    "VN": (["Lan", "Huong", "Mai", "Thu", "Linh", "Ngoc", "Trang", "Hoa"],
           ["Minh", "Hung", "Tuan", "Duc", "Nam", "Quang", "Son", "Long"],
           ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ngo"], True),
    "ID": (["Siti", "Dewi", "Ayu", "Rina", "Sri", "Wulan", "Indah", "Putri"],
           ["Budi", "Agus", "Eko", "Joko", "Hendra", "Rudi", "Dedi", "Bambang"],
           ["Santoso", "Wijaya", "Saputra", "Hidayat", "Pratama", "Kusuma", "Nugroho"], False),
    "BD": (["Fatema", "Nasrin", "Shirin", "Roksana", "Taslima", "Sharmin", "Rumana", "Nusrat"],
           ["Rahim", "Karim", "Hasan", "Jamal", "Sohel", "Rafiq", "Anwar", "Kamal"],
           ["Hossain", "Rahman", "Islam", "Ahmed", "Akter", "Uddin", "Chowdhury", "Khan"], False),
    "TR": (["Ayşe", "Fatma", "Elif", "Zeynep", "Emine", "Hatice", "Merve", "Selin"],
           ["Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Murat", "Emre", "Can"],
           ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın"], False),
    "GH": (["Akosua", "Ama", "Abena", "Efua", "Adwoa", "Yaa", "Esi", "Afia"],
           ["Kwame", "Kofi", "Kwabena", "Yaw", "Kojo", "Kwaku", "Kwesi", "Fiifi"],
           ["Mensah", "Boateng", "Owusu", "Asante", "Osei", "Agyeman", "Appiah", "Addo"], False),
    "ZA": (["Thandiwe", "Nomsa", "Lerato", "Palesa", "Zanele", "Naledi", "Ayanda", "Annelie"],
           ["Sipho", "Thabo", "Bongani", "Mandla", "Themba", "Lwazi", "Johan", "Pieter"],
           ["Dlamini", "Nkosi", "Ndlovu", "Mokoena", "Khumalo", "Botha", "Naidoo", "Zulu"], False),
    "CO": (["María", "Luisa", "Carolina", "Paola", "Diana", "Natalia", "Andrea", "Juliana"],
           ["Carlos", "Andrés", "Juan", "Jorge", "Luis", "Felipe", "Diego", "Camilo"],
           ["Rodríguez", "Gómez", "Martínez", "García", "López", "Restrepo", "Vargas"], False),
    "PE": (["Rosa", "Carmen", "Milagros", "Lucía", "Gabriela", "Patricia", "Flor", "Elena"],
           ["José", "Luis", "Miguel", "César", "Víctor", "Raúl", "Ricardo", "Óscar"],
           ["Quispe", "Flores", "Huamán", "Mamani", "Rojas", "Torres", "Mendoza", "Chávez"], False),
    "BO": (["Ana", "Lidia", "Teresa", "Wilma", "Marisol", "Rocío", "Silvia", "Julia"],
           ["Juan", "Mario", "Jaime", "Freddy", "Rubén", "Marco", "Álvaro", "Hugo"],
           ["Mamani", "Choque", "Condori", "Gutiérrez", "Vargas", "Fernández", "Apaza"], False),
    "MM": (["Aye Aye", "Thandar", "Khin Khin", "Moe Moe", "Su Su", "Hnin Wai", "Nilar", "Ei Ei"],
           ["Aung Aung", "Kyaw Zin", "Min Thu", "Zaw Win", "Thant Zin", "Ko Ko", "Htet Aung"],
           ["Win", "Oo", "Myint", "Htun", "Lwin", "Naing", "Soe"], False),
    "LK": (["Nimali", "Dilani", "Chamari", "Sanduni", "Kumari", "Ishara", "Malsha", "Tharushi"],
           ["Nuwan", "Kasun", "Chaminda", "Ruwan", "Sampath", "Dinesh", "Lahiru", "Mahesh"],
           ["Perera", "Fernando", "Silva", "Jayasinghe", "Bandara", "Herath", "Ratnayake"], False),
    "ET": (["Almaz", "Tigist", "Meseret", "Hiwot", "Selamawit", "Bethlehem", "Mekdes", "Genet"],
           ["Abebe", "Dawit", "Tesfaye", "Yonas", "Solomon", "Bekele", "Getachew", "Haile"],
           ["Tadesse", "Kebede", "Alemu", "Girma", "Mulugeta", "Hailu", "Wolde", "Desta"], False),
    "TN": (["Amira", "Ines", "Salma", "Sonia", "Leila", "Rim", "Nour", "Yasmine"],
           ["Mohamed", "Ahmed", "Sami", "Karim", "Walid", "Hichem", "Anis", "Mehdi"],
           ["Trabelsi", "Gharbi", "Hammami", "Jebali", "Mansouri", "Ayari", "Dridi"], False),
}  # fmt: skip

# module code: improvement projects (title, targeted indicator code or None)
PROJECTS = {
    "WCO": [
        ("Monthly Enterprise Improvement Team meeting", "worker_suggestions"),
        ("Suggestion scheme with a reply within two weeks", "worker_suggestions"),
        ("Shop-floor notice board for production results", "productivity"),
        ("Canteen and rest area improvement", None),
        ("Line balancing on the main production line", "productivity"),
    ],
    "QM": [
        ("End-of-line quality check with a defect log", "defect_rate"),
        ("5S in the cutting section", "defect_rate"),
        ("Root-cause analysis of customer returns", "defect_rate"),
        ("Incoming material inspection", "waste"),
    ],
    "CP": [
        ("Reuse of off-cuts and trimmings", "waste"),
        ("Compressed-air leak repair", "energy_intensity"),
        ("LED lighting in the warehouse", "energy_intensity"),
        ("Segregated waste collection", "waste"),
    ],
    "HRM": [
        ("Written job descriptions for supervisors", "staff_turnover"),
        ("Induction programme for new workers", "staff_turnover"),
        ("Transparent piece-rate calculation", "absenteeism"),
        ("Attendance bonus review with the workers' committee", "absenteeism"),
    ],
    "OSH": [
        ("Machine guarding on presses and cutters", "accidents"),
        ("Chemical storage and labelling", "accidents"),
        ("Fire evacuation drill every quarter", None),
        ("Ergonomic workstations for sewing operators", "absenteeism"),
    ],
}
# The indicators each module's improvement work is aimed at (for the shape of results).
MODULE_INDICATORS = {
    "WCO": ("productivity", "worker_suggestions", "absenteeism"),
    "QM": ("defect_rate", "productivity"),
    "CP": ("waste", "energy_intensity"),
    "HRM": ("staff_turnover", "absenteeism"),
    "OSH": ("accidents", "absenteeism"),
}
VISIT_NOTES = {
    "intake": ("Baseline assessment with the management; KPI records reviewed.",
               "Nominate the Enterprise Improvement Team before the classroom."),
    "follow_up": ("Reviewed the improvement plan with the Enterprise Improvement Team.",
                  "Update the KPI sheet and complete the open actions before the next visit."),
    "year_after": ("One year on: results of the improvement projects reviewed.",
                   "Keep the team meeting monthly; share results with the workers."),
}  # fmt: skip
VENUES = ["training centre", "Chamber of Commerce hall", "business hotel", "industrial park hall"]
PROJECT_OWNERS = ["Production manager", "HR officer", "Line supervisor", "Quality controller",
                  "Maintenance lead", "Workers' representative"]  # fmt: skip
KPI_NOTES = {
    "estimate": "Estimated from the production log.",
    "observed": "Observed by the trainer during the visit.",
}
