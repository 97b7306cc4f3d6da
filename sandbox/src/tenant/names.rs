//! Word lists for realistic names.

pub const FIRST: &[&str] = &[
    "Adele", "Alex", "Allan", "Amelia", "Ana", "Andrea", "Anika", "Arjun", "Ava", "Ben", "Bianca", "Carlos",
    "Caroline", "Chen", "Chloe", "Christie", "Daniel", "David", "Debra", "Diego", "Dmitri", "Elena", "Eli",
    "Emily", "Emma", "Ethan", "Fatima", "Felix", "Fiona", "Gabriel", "Grace", "Grady", "Hannah", "Hiroshi",
    "Isaiah", "Isabel", "Ivan", "Jack", "James", "Jana", "Javier", "Jessica", "Johanna", "Jonas", "Joni",
    "Julia", "Kai", "Karen", "Katarina", "Lars", "Laura", "Lee", "Leon", "Lidia", "Lina", "Lucas", "Lynne",
    "Maria", "Mark", "Marta", "Megan", "Mei", "Miriam", "Mohammed", "Nadia", "Nathan", "Nestor", "Nina",
    "Noah", "Olga", "Omar", "Patti", "Paul", "Pedro", "Pradeep", "Priya", "Rafael", "Raj", "Rebecca",
    "Robert", "Rosa", "Ruth", "Samuel", "Sara", "Sebastian", "Sofia", "Stefan", "Sven", "Tanja", "Thomas",
    "Tomas", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zoe", "Aisha", "Bruno", "Clara",
];

pub const LAST: &[&str] = &[
    "Vance", "Wilber", "Deyoung", "Adams", "Alvarez", "Andersen", "Bauer", "Becker", "Brown", "Bianchi",
    "Castro", "Chen", "Clark", "Costa", "Cruz", "Dahl", "Davies", "Diaz", "Dubois", "Edwards", "Eriksson",
    "Evans", "Fischer", "Fontaine", "Garcia", "Gomez", "Green", "Gruber", "Hall", "Hansen", "Harris", "Hoffmann",
    "Huang", "Ito", "Jackson", "Jansen", "Johansson", "Johnson", "Jones", "Kaur", "Keller", "Kim", "Klein",
    "Kowalski", "Kumar", "Larsen", "Laurent", "Lee", "Lewis", "Lopez", "Martin", "Martinez", "Meyer", "Miller",
    "Moreau", "Morris", "Muller", "Murphy", "Nakamura", "Nguyen", "Nielsen", "Novak", "Olsen", "Ortiz",
    "Park", "Patel", "Perez", "Petrov", "Pham", "Popescu", "Quinn", "Ramirez", "Reyes", "Richter", "Rivera",
    "Roberts", "Rodriguez", "Rossi", "Sanchez", "Santos", "Sato", "Schmidt", "Schneider", "Schulz", "Shah",
    "Silva", "Singh", "Smith", "Sousa", "Suzuki", "Tanaka", "Taylor", "Thomas", "Torres", "Turner", "Wagner",
    "Walker", "Wang", "Weber", "White", "Williams", "Wilson", "Wong", "Wright", "Yamamoto", "Young", "Zhang",
    "Zimmermann", "Holt", "Lindqvist", "Okafor", "Mensah", "Haddad", "Nasser", "Farouk", "Bakker", "Visser",
];

pub const DEPARTMENTS: &[&str] = &[
    "Sales", "Marketing", "Finance", "Human Resources", "IT", "Legal", "Operations", "Research",
    "Engineering", "Support", "Procurement", "Manufacturing", "Executive Management", "Retail",
];

pub const SHARED: &[&str] = &[
    "Sales", "Support", "Marketing", "HR", "Finance", "IT Helpdesk", "Legal", "Payroll", "Recruiting",
    "Facilities", "Info", "Press", "Billing", "Accounts Payable", "Orders", "Returns", "Events", "Travel",
    "Security", "Compliance", "Invoices", "Careers", "Partners", "Feedback",
];

pub const REGIONS: &[&str] = &[
    "EMEA", "US", "APAC", "LATAM", "Berlin", "Seattle", "London", "Paris", "Tokyo", "Sydney", "Toronto",
    "Madrid", "Milan", "Oslo", "Dublin",
];

/// (city, country code, office building prefix)
pub const OFFICES: &[(&str, &str)] = &[
    ("Seattle", "US"), ("Redmond", "US"), ("New York", "US"), ("Chicago", "US"), ("Toronto", "CA"),
    ("London", "GB"), ("Dublin", "IE"), ("Berlin", "DE"), ("Munich", "DE"), ("Paris", "FR"), ("Madrid", "ES"),
    ("Milan", "IT"), ("Amsterdam", "NL"), ("Oslo", "NO"), ("Stockholm", "SE"), ("Warsaw", "PL"),
    ("Tokyo", "JP"), ("Singapore", "SG"), ("Sydney", "AU"), ("Sao Paulo", "BR"), ("Bangalore", "IN"),
];

pub const BUILDINGS: &[&str] = &["A", "B", "C", "D", "North", "South", "East", "West"];

pub const EQUIPMENT: &[&str] = &[
    "Projector", "Van", "Camera", "Laptop Cart", "Car", "Podium Mic", "Whiteboard Cart", "Video Kit",
    "Bike", "Tablet Set", "Drone", "Printer",
];

pub const TITLES: &[&str] = &[
    "Manager", "Engineer", "Analyst", "Consultant", "Director", "Specialist", "Coordinator", "Administrator",
    "Designer", "Developer", "Accountant", "Assistant",
];
