package seed

// Word lists for the scale seed (scale.go): enough variety that the
// full-text search, the caseload sort and the charts have real work to do.
// Names are common names of the groups that come to Norway as refugees;
// none is a real person.

// scaleTowns are municipalities, the big ones listed more than once so
// that they get more organisations, placements and participants.
var scaleTowns = []string{
	"Oslo", "Oslo", "Oslo", "Bergen", "Bergen", "Trondheim", "Trondheim", "Stavanger", "Stavanger",
	"Kristiansand", "Drammen", "Fredrikstad", "Sandnes", "Tromsø", "Bærum", "Asker", "Lillestrøm",
	"Skien", "Ålesund", "Sarpsborg", "Bodø", "Larvik", "Tønsberg", "Porsgrunn", "Arendal", "Haugesund",
	"Hamar", "Lillehammer", "Gjøvik", "Molde", "Steinkjer", "Levanger", "Stjørdal", "Malvik", "Melhus",
	"Orkland", "Verdal", "Namsos", "Harstad", "Alta", "Narvik", "Kongsberg", "Horten", "Halden", "Moss",
	"Ringsaker", "Elverum", "Kongsvinger", "Førde", "Voss",
}

// scaleStreets are street names for addresses.
var scaleStreets = []string{
	"Storgata", "Kirkegata", "Industriveien", "Skolegata", "Parkveien", "Havnegata", "Strandveien",
	"Sentrumsveien", "Bakkegata", "Fjordveien", "Elvegata", "Torggata", "Jernbanegata", "Nedre gate",
	"Øvre gate", "Gamle kongevei", "Bryggeveien", "Markveien", "Løkkeveien", "Solbergveien",
}

// scaleOrgPlaces and scaleOrgNouns make organisation names by sector.
var scaleOrgPlaces = []string{
	"Fjord", "Nidaros", "Elve", "Berg", "Nord", "Sør", "Vest", "Øst", "Sentrum", "Havne", "Lien", "Dal",
	"Strand", "Bakke", "Skog", "Sol", "Nye", "Gamle", "Byens", "Lokal",
}

var scaleOrgNouns = map[string][]string{
	"health":       {"Sykehjem", "Helsehus", "Omsorgssenter", "Legesenter", "Tannklinikk"},
	"education":    {"Barnehage", "Skole", "Kulturskole", "Læringssenter", "SFO"},
	"retail":       {"Dagligvare", "Butikk", "Handel", "Bruktbutikk", "Blomster"},
	"hospitality":  {"Bakeri", "Kafé", "Hotell", "Restaurant", "Kantine"},
	"construction": {"Bygg", "Snekkeri", "Maling", "Rør", "Anlegg"},
	"industry":     {"Mekaniske", "Produksjon", "Trevare", "Plast", "Sveis"},
	"transport":    {"Transport", "Logistikk", "Budservice", "Flytt", "Lager"},
	"cleaning":     {"Renhold", "Vask", "Rengjøring", "Eiendomsservice", "Vaktmester"},
	"agriculture":  {"Gartneri", "Gård", "Hagesenter", "Fiskemottak", "Landbruk"},
	"office":       {"Regnskap", "Kontorservice", "Eiendom", "Rådgivning", "Arkiv"},
	"it":           {"Data", "IT-service", "Web", "Teknologi", "Reparasjon"},
	"culture":      {"Bibliotek", "Museum", "Kulturhus", "Idrettslag", "Kino"},
	"public":       {"Bydel", "Servicekontor", "Driftsavdeling", "Bibliotek", "Frivilligsentral"},
	"other":        {"Service", "Verksted", "Senter", "Gruppen", "Partner"},
}

// scaleTitles are placement titles by sector.
var scaleTitles = map[string][]string{
	"health":       {"Pleieassistent", "Assistent på sykehjem", "Kjøkkenhjelp på helsehus", "Miljøarbeider", "Renholder på legesenter"},
	"education":    {"Barnehageassistent", "Assistent i SFO", "Skoleassistent", "Kantinemedarbeider på skole", "Vaktmesterassistent"},
	"retail":       {"Butikkmedarbeider", "Lagermedarbeider i butikk", "Kassemedarbeider", "Varepåfyller", "Medarbeider i bruktbutikk"},
	"hospitality":  {"Bakeriassistent", "Kafémedarbeider", "Kjøkkenassistent", "Servitør", "Hotellrenholder"},
	"construction": {"Snekkerassistent", "Hjelpearbeider bygg", "Malerassistent", "Rørleggerlærling", "Anleggsarbeider"},
	"industry":     {"Produksjonsmedarbeider", "Operatør i produksjon", "Sveiseassistent", "Pakkeriarbeider", "Mekanikerassistent"},
	"transport":    {"Lagerarbeider", "Sjåførassistent", "Terminalarbeider", "Budmedarbeider", "Truckførerlærling"},
	"cleaning":     {"Renholder", "Vaskeriarbeider", "Vaktmester", "Kontorrenholder", "Eiendomsservicemedarbeider"},
	"agriculture":  {"Gartneriarbeider", "Gårdsarbeider", "Medarbeider på hagesenter", "Fiskeforedler", "Dyrepasser"},
	"office":       {"Kontormedarbeider", "Resepsjonist", "Arkivassistent", "Regnskapsassistent", "Sentralbordmedarbeider"},
	"it":           {"IT-støtte", "Datareparatør", "Brukerstøtte", "Testmedarbeider", "Webassistent"},
	"culture":      {"Bibliotekassistent", "Museumsvert", "Kulturhusvert", "Idrettsassistent", "Kinovert"},
	"public":       {"Servicemedarbeider", "Driftsmedarbeider", "Parkarbeider", "Assistent i frivilligsentral", "Vaktmester i kommunen"},
	"other":        {"Medarbeider", "Assistent", "Verkstedarbeider", "Hjelpearbeider", "Praktikant"},
}

// scaleTasks are task phrases by sector; sentences are built from them.
var scaleTasks = map[string][]string{
	"health":       {"stell av beboere", "servering av måltider", "sosiale aktiviteter", "turer med beboere", "oppvask", "sengeoppredning", "samtaler med eldre", "rengjøring av rom"},
	"education":    {"lek med barn", "påkledning", "måltider med barna", "utetid", "rydding", "lesestund", "forming og tegning", "følge barn på tur"},
	"retail":       {"varemottak", "varepåfylling", "kundeservice", "kasse", "prismerking", "rydding i hyller", "bestilling", "svinn og datokontroll"},
	"hospitality":  {"baking av brød", "oppvask", "matlaging", "servering", "kundeservice", "forberedelse av råvarer", "rengjøring av kjøkken", "kaffebar"},
	"construction": {"bæring av materialer", "rydding av byggeplass", "enkel snekring", "maling", "sliping", "montering", "måling og kapping", "verktøystell"},
	"industry":     {"pakking", "maskinbetjening", "kvalitetskontroll", "montering", "sveising", "merking", "plukking", "vedlikehold"},
	"transport":    {"plukking av ordre", "pakking", "lasting og lossing", "varelevering", "truckkjøring", "skanning", "sortering", "lagerrydding"},
	"cleaning":     {"rengjøring", "gulvvask", "vindusvask", "avfallshåndtering", "tøyvask", "vedlikehold", "snømåking", "plenklipping"},
	"agriculture":  {"planting", "vanning", "høsting", "stell av dyr", "sortering av fisk", "potting", "salg av planter", "hagearbeid"},
	"office":       {"arkivering", "skanning av dokumenter", "telefon", "postgang", "registrering", "resepsjon", "møtebooking", "enkel regnskapsføring"},
	"it":           {"oppsett av PC-er", "brukerstøtte", "feilsøking", "reparasjon", "testing", "installasjon", "kabling", "registrering av utstyr"},
	"culture":      {"utlån", "hylleoppstilling", "arrangementer", "billettsalg", "omvisning", "rigging", "kafé", "aktiviteter for barn"},
	"public":       {"parkarbeid", "innbyggerservice", "vedlikehold", "transport av utstyr", "søppelplukking", "arrangementer", "sortering", "resepsjon"},
	"other":        {"diverse oppgaver", "rydding", "kundekontakt", "sortering", "pakking", "enkelt vedlikehold", "transport", "kontorarbeid"},
}

// scaleSentences are templates for the tasks text: %[1]s … %[3]s are
// task phrases, %[4]s a kind of people met at work.
var scaleSentences = []string{
	"Du hjelper til med %[1]s og %[2]s.",
	"Arbeidsdagen består av %[1]s, %[2]s og %[3]s.",
	"Vi lærer deg %[1]s steg for steg, og du får en fast kollega å spørre.",
	"Mye kontakt med %[4]s – fin for å øve norsk.",
	"Oppgavene varierer: %[2]s den ene dagen, %[3]s den neste.",
	"Passer for deg som liker praktisk arbeid og vil bli god på %[1]s.",
	"Du blir en del av et hyggelig arbeidsmiljø med %[4]s fra mange land.",
	"Etter hvert kan du ta ansvar for %[3]s på egen hånd.",
	"Vi har god erfaring med språkpraksis og setter av tid til å snakke norsk.",
	"Arbeidstøy og verneutstyr får du av oss.",
}

var scalePeople = []string{"kolleger", "kunder", "barn og foreldre", "beboere", "besøkende", "leverandører", "elever", "gjester"}

// scaleAdaptationsOther is free text about adaptations, for some placements.
var scaleAdaptationsOther = []string{
	"Vi kan starte med korte dager de første ukene.",
	"En kollega snakker arabisk og kan hjelpe i starten.",
	"Bildebaserte rutiner på kjøkkenet.",
	"Bønnerom tilgjengelig.",
	"Mulig å jobbe i eget tempo i opplæringen.",
}

// scaleNorwegianFirst and scaleNorwegianLast name the staff accounts and
// supervisors.
var scaleNorwegianFirst = []string{
	"Anne", "Ole", "Kari", "Per", "Ingrid", "Lars", "Marit", "Jon", "Silje", "Erik", "Hilde", "Knut", "Nina", "Arne",
	"Tone", "Bjørn", "Randi", "Geir", "Mona", "Trond", "Hanne", "Espen", "Line", "Morten", "Camilla", "Stian",
	"Ida", "Sindre", "Maria", "Jonas", "Nora", "Emil", "Sara", "Henrik", "Thea", "Magnus", "Aisha", "Ali",
}

var scaleNorwegianLast = []string{
	"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen",
	"Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen", "Jacobsen", "Dahl",
	"Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Strand", "Moen", "Solberg", "Bakken", "Lie",
}

// scaleOrigin is a group of participants: their languages, names, and
// how often the group occurs (weight, of 100). Trondheim's arrivals since
// 2022 are about three in four from Ukraine with collective protection
// (kapittel 6A, issue 14).
type scaleOrigin struct {
	weight      int
	langs       []string
	first, last []string
}

var scaleOrigins = []scaleOrigin{
	{78, []string{"uk", "ru"},
		[]string{"Olena", "Iryna", "Dmytro", "Oleksandr", "Natalia", "Andrii", "Yulia", "Serhii", "Oksana", "Mykola", "Tetiana", "Viktor", "Kateryna", "Volodymyr", "Svitlana", "Bohdan", "Anastasiia", "Maksym", "Halyna", "Yurii"},
		[]string{"Kovalenko", "Shevchenko", "Bondarenko", "Melnyk", "Tkachenko", "Kravchenko", "Boyko", "Oliinyk", "Lysenko", "Moroz", "Savchenko", "Rudenko", "Marchenko", "Polishchuk", "Koval", "Ponomarenko"}},
	{8, []string{"ar"},
		[]string{"Ahmad", "Mohammed", "Yusuf", "Mariam", "Fatima", "Omar", "Layla", "Khaled", "Rania", "Hassan", "Nour", "Samir", "Hiba", "Tarek", "Dalia", "Bashar"},
		[]string{"Al-Sayed", "Haddad", "Khalil", "Nasser", "Hamdan", "Darwish", "Saleh", "Mansour", "Aziz", "Ibrahim", "Al-Ali", "Qasem"}},
	{5, []string{"ti", "am"},
		[]string{"Selam", "Yonas", "Helen", "Dawit", "Senait", "Filmon", "Rahel", "Mebrahtu", "Almaz", "Semhar", "Tesfalem", "Luwam"},
		[]string{"Tesfay", "Gebremedhin", "Haile", "Kidane", "Berhe", "Woldu", "Tekle", "Ghebre", "Mehari", "Asfaha"}},
	{5, []string{"prs", "ps"},
		[]string{"Ahmad", "Zahra", "Mohammad", "Fatima", "Ali", "Maryam", "Hamid", "Shabnam", "Farid", "Nilofar", "Sakina", "Javid"},
		[]string{"Rahimi", "Karimi", "Noori", "Ahmadi", "Hashimi", "Sultani", "Hakimi", "Azizi", "Sadat", "Popal"}},
	{2, []string{"so"},
		[]string{"Abdi", "Amina", "Hodan", "Mahad", "Faisal", "Sahra", "Ilhan", "Yasmin", "Abdirahman", "Ayaan"},
		[]string{"Warsame", "Hassan", "Osman", "Farah", "Mohamed", "Ali", "Jama", "Abdullahi", "Nur", "Aden"}},
	{2, []string{"ku", "tr"},
		[]string{"Rojda", "Baran", "Dilan", "Azad", "Berfin", "Siyar", "Hevin", "Rezan"},
		[]string{"Ahmed", "Kaya", "Demir", "Aydin", "Yildiz", "Barzani", "Hussein", "Mustafa"}},
}

// scaleNotes are adviser notes on participants.
var scaleNotes = []string{
	"Møte med NAV avtalt. Ønsker praksis med mer muntlig norsk.",
	"Trives i norskopplæringen, men trenger mer praksis i å snakke.",
	"Har erfaring fra butikk i hjemlandet. Vil gjerne jobbe med kunder.",
	"Barnehageplass er på plass fra neste måned; kan øke timetallet.",
	"Ønsker utdanning som helsefagarbeider. Sjekk opptak til voksenopplæring.",
	"Fikk tilbud om tilkallingsvikar etter praksisen.",
	"Fravær på grunn av sykdom i familien; følges opp.",
}

// scaleComments are supervisors' evaluation comments.
var scaleComments = []string{
	"Blid og punktlig. Forstår stadig mer av det som blir sagt i pausene.",
	"Jobber selvstendig og tar initiativ. Trenger mer øving i å spørre når noe er uklart.",
	"God kontakt med kolleger. Vi ønsker å gi flere oppgaver med kundekontakt.",
	"Noe fravær i starten, men stabil nå.",
	"Svært arbeidsom. Vi vurderer å tilby ekstravakter.",
	"",
}
