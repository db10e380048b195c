#include "wordlists.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

const char *const wordlists_first_names[] = {
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Lucas",
    "Mia", "Mateo", "Isabella", "Levi", "Charlotte", "Ethan", "Harper", "James", "Evelyn",
    "Benjamin", "Luna", "Henry", "Camila", "Sebastian", "Sofia", "Jack", "Aria", "Leo", "Ella",
    "Daniel", "Chloe", "Hugo", "Lea", "Jonas", "Emilia", "Lukas", "Hannah", "Matteo", "Giulia",
    "Alessandro", "Chiara", "Pablo", "Lucia", "Javier", "Carmen", "Yuki", "Haruto", "Sakura",
    "Ren", "Aiko", "Arjun", "Priya", "Rohan", "Ananya", "Wei", "Mei", "Chen", "Lin", "Kwame",
    "Amara", "Tariq", "Leila", "Omar", "Zara", "Mateus", "Beatriz", "Diego", "Valentina",
    "Nils", "Astrid", "Oskar", "Ingrid", "Pierre", "Camille", "Louis", "Manon"};
const size_t wordlists_first_name_count = COUNT (wordlists_first_names);

const char *const wordlists_last_names[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore",
    "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Muller", "Schmidt", "Schneider", "Fischer", "Weber",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Dubois", "Moreau", "Laurent",
    "Lefebvre", "Fernandez", "Gonzalez", "Sanchez", "Perez", "Silva", "Santos", "Oliveira",
    "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Kim", "Lee", "Park", "Wang", "Zhang",
    "Liu", "Singh", "Patel", "Sharma", "Kumar", "Nielsen", "Hansen", "Johansson", "Andersson",
    "Novak", "Kowalski", "Nowak", "Okafor", "Mensah", "Haddad", "Nasser", "Cohen", "Levi"};
const size_t wordlists_last_name_count = COUNT (wordlists_last_names);

const char *const wordlists_email_domains[] = {
    "example.com", "mail.example", "inbox.example", "post.example", "shopper.example",
    "webmail.example", "example.net", "example.org"};
const size_t wordlists_email_domain_count = COUNT (wordlists_email_domains);

const wordlists_place_t wordlists_places[] = {
    {"New York", "United States"}, {"Los Angeles", "United States"},
    {"Chicago", "United States"}, {"Houston", "United States"}, {"Seattle", "United States"},
    {"Boston", "United States"}, {"Austin", "United States"}, {"Toronto", "Canada"},
    {"Vancouver", "Canada"}, {"Montreal", "Canada"}, {"London", "United Kingdom"},
    {"Manchester", "United Kingdom"}, {"Edinburgh", "United Kingdom"}, {"Dublin", "Ireland"},
    {"Paris", "France"}, {"Lyon", "France"}, {"Marseille", "France"}, {"Berlin", "Germany"},
    {"Munich", "Germany"}, {"Hamburg", "Germany"}, {"Madrid", "Spain"}, {"Barcelona", "Spain"},
    {"Valencia", "Spain"}, {"Rome", "Italy"}, {"Milan", "Italy"}, {"Naples", "Italy"},
    {"Amsterdam", "Netherlands"}, {"Rotterdam", "Netherlands"}, {"Brussels", "Belgium"},
    {"Zurich", "Switzerland"}, {"Vienna", "Austria"}, {"Stockholm", "Sweden"},
    {"Copenhagen", "Denmark"}, {"Oslo", "Norway"}, {"Helsinki", "Finland"},
    {"Warsaw", "Poland"}, {"Prague", "Czechia"}, {"Lisbon", "Portugal"},
    {"Sao Paulo", "Brazil"}, {"Rio de Janeiro", "Brazil"}, {"Mexico City", "Mexico"},
    {"Buenos Aires", "Argentina"}, {"Santiago", "Chile"}, {"Bogota", "Colombia"},
    {"Tokyo", "Japan"}, {"Osaka", "Japan"}, {"Seoul", "South Korea"}, {"Shanghai", "China"},
    {"Singapore", "Singapore"}, {"Mumbai", "India"}, {"Bangalore", "India"},
    {"Delhi", "India"}, {"Sydney", "Australia"}, {"Melbourne", "Australia"},
    {"Auckland", "New Zealand"}, {"Cape Town", "South Africa"}, {"Lagos", "Nigeria"},
    {"Nairobi", "Kenya"}, {"Cairo", "Egypt"}, {"Dubai", "United Arab Emirates"}};
const size_t wordlists_place_count = COUNT (wordlists_places);

const char *const wordlists_adjectives[] = {
    "Classic", "Premium", "Compact", "Deluxe", "Essential", "Ultra", "Smart", "Eco", "Pro",
    "Vintage", "Modern", "Portable", "Organic", "Wireless", "Everyday", "Signature", "Urban",
    "Nordic", "Heritage", "Active", "Studio", "Travel", "Family", "Mini"};
const size_t wordlists_adjective_count = COUNT (wordlists_adjectives);

static const char *const s_electronics[] = {
    "Headphones", "Smartwatch", "Bluetooth Speaker", "USB-C Charger", "Webcam", "Keyboard",
    "Mouse", "Tablet", "E-Reader", "Power Bank", "Monitor", "Router", NULL};
static const char *const s_home[] = {
    "Coffee Maker", "Blender", "Chef Knife", "Frying Pan", "Toaster", "Kettle", "Dinner Set",
    "Air Fryer", "Cutting Board", "Storage Jars", "Desk Lamp", "Throw Blanket", NULL};
static const char *const s_books[] = {
    "Cookbook", "Thriller", "Travel Guide", "Biography", "Poetry Collection", "Sci-Fi Novel",
    "History Atlas", "Children's Book", "Notebook", "Planner", NULL};
static const char *const s_clothing[] = {
    "T-Shirt", "Hoodie", "Jeans", "Rain Jacket", "Sneakers", "Wool Socks", "Scarf",
    "Summer Dress", "Chinos", "Beanie", NULL};
static const char *const s_sports[] = {
    "Yoga Mat", "Water Bottle", "Running Shoes", "Tent", "Backpack", "Dumbbell Set",
    "Bike Helmet", "Tennis Racket", "Sleeping Bag", "Fitness Tracker", NULL};
static const char *const s_beauty[] = {
    "Face Cream", "Shampoo", "Perfume", "Lip Balm", "Sunscreen", "Hair Dryer",
    "Beard Trimmer", "Body Lotion", NULL};
static const char *const s_toys[] = {
    "Building Blocks", "Board Game", "Puzzle", "Plush Bear", "Remote Car", "Art Set",
    "Card Game", "Train Set", NULL};
static const char *const s_grocery[] = {
    "Coffee Beans", "Green Tea", "Olive Oil", "Dark Chocolate", "Honey", "Pasta",
    "Granola", "Spice Set", NULL};

const wordlists_category_t wordlists_categories[] = {
    {"Electronics", s_electronics, 15.0, 450.0},  {"Home & Kitchen", s_home, 8.0, 180.0},
    {"Books", s_books, 6.0, 45.0},                {"Clothing", s_clothing, 9.0, 120.0},
    {"Sports & Outdoors", s_sports, 10.0, 250.0}, {"Beauty", s_beauty, 4.0, 90.0},
    {"Toys & Games", s_toys, 7.0, 80.0},          {"Grocery", s_grocery, 3.0, 35.0}};
const size_t wordlists_category_count = COUNT (wordlists_categories);
