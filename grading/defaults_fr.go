package grading

// DefaultExercises returns the French peer exercises a new session starts
// with, one for each of the six parts of Libre cours, in part order:
//
//  1. Les bases du droit d'auteur en France
//  2. Les licences libres
//  3. Les licences Creative Commons
//  4. Réutiliser des œuvres existantes
//  5. Publier ses propres œuvres
//  6. Contribuer aux communs
//
// Each call returns fresh values that the caller may modify.
func DefaultExercises() []Exercise {
	return []Exercise{
		{
			Part: 1,
			Instructions: `## Qui a le droit de faire quoi ? Le projet de Camille

### Contexte

Camille anime une association de quartier. Elle prépare un livret de présentation de l'association, distribué gratuitement sur papier et publié sur le site web de l'association, ainsi qu'une courte vidéo diffusée sur une plateforme en ligne. Elle souhaite y utiliser les éléments suivants :

1. un extrait de trois lignes d'un roman d'une autrice contemporaine, qu'elle commente dans un paragraphe consacré au club de lecture ;
2. un poème de Victor Hugo (mort en 1885), qu'elle voudrait raccourcir de moitié pour qu'il tienne sur une page ;
3. une photographie trouvée grâce à un moteur de recherche d'images, sans nom d'auteur ni mention de licence ;
4. une chanson à succès d'un groupe actuel, en fond sonore de la vidéo ;
5. la traduction française d'un dialogue de Platon, parue en 2015 chez un éditeur, qu'elle voudrait reproduire en entier ;
6. l'idée d'un jeu de piste dans le quartier, imaginée par une autre association, qu'elle voudrait organiser à son tour avec ses propres énigmes.

### Ce que vous devez produire

Rédigez une note de **300 à 600 mots** adressée à Camille. Pour chacun des six éléments, indiquez :

- s'il est protégé par le droit d'auteur, et pourquoi : originalité, forme d'expression, durée de protection, domaine public ;
- qui détient des droits et lesquels sont en jeu : droits patrimoniaux (reproduction, représentation) et droits moraux (divulgation, paternité, respect de l'œuvre, retrait et repentir) ;
- si une exception prévue par le Code de la propriété intellectuelle (CPI, article L. 122-5), en particulier la courte citation, permet l'usage sans autorisation, et à quelles conditions ;
- ce que Camille doit concrètement faire : utiliser l'élément librement, citer l'auteur et la source, demander une autorisation, ou chercher une autre solution.

Écrivez pour une personne qui n'est pas juriste. Vous pouvez citer les articles du CPI, sans en recopier de longs passages.

### Évaluation par les pairs

Votre note sera lue et notée par d'autres participants de la session selon la grille d'évaluation de cet exercice. À votre tour, vous évaluerez les notes de plusieurs participants : pour chaque critère, attribuez des points, puis rédigez un commentaire bienveillant et argumenté qui aide l'auteur à progresser. Vérifiez surtout l'exactitude des affirmations juridiques.
`,
			Rubric: []Criterion{
				{ID: "statut", Label: "Statut : pour chaque élément, la protection est correctement établie (originalité, domaine public, idées non protégées, traduction protégée)", MaxPoints: 5},
				{ID: "droits", Label: "Droits en jeu : droits patrimoniaux et droits moraux sont distingués et appliqués correctement, y compris pour l'œuvre du domaine public", MaxPoints: 5},
				{ID: "exceptions", Label: "Exceptions et durée : la courte citation et ses conditions, ainsi que la durée de 70 ans après la mort de l'auteur, sont mobilisées à bon escient", MaxPoints: 4},
				{ID: "conseils", Label: "Conseils : des démarches concrètes et réalistes sont proposées pour chaque élément", MaxPoints: 4},
				{ID: "clarte", Label: "Clarté : note structurée, compréhensible par une non-juriste, dans la longueur demandée", MaxPoints: 2},
			},
		},
		{
			Part: 2,
			Instructions: `## Choisir une licence libre pour trois projets

### Contexte

Le collectif « Les Communs du bocage » (fictif) vous demande conseil. Il mène trois projets qu'il veut publier sous licence libre :

1. **Biblio-Asso**, un logiciel de gestion des prêts pour les bibliothèques associatives, que le collectif propose aussi comme service web hébergé. Il veut que quiconque améliore le logiciel, y compris pour le proposer comme service en ligne, partage ses améliorations sous la même licence.
2. **Carnets du bocage**, une série de dessins naturalistes d'une illustratrice du collectif. Elle accepte que ses dessins soient copiés, diffusés, modifiés et même vendus, à condition d'être créditée et que les versions modifiées restent libres.
3. **Haies du bocage**, un inventaire participatif des haies du territoire (emplacement, essences, état) constitué en base de données. Le collectif veut que chacun puisse réutiliser la base, mais que les bases améliorées qui en dérivent et sont utilisées publiquement restent ouvertes.

### Ce que vous devez produire

Rédigez une note de **300 à 600 mots** qui :

- rappelle en quelques lignes ce qui rend une licence « libre » : les quatre libertés du logiciel libre (exécuter, étudier, redistribuer, modifier et diffuser ses modifications) et leur transposition aux œuvres culturelles ;
- propose pour chaque projet une licence précise (nom et version) et justifie ce choix au regard des souhaits du collectif ;
- explique, pour au moins un projet, la différence entre une licence avec copyleft et une licence permissive (MIT, Apache 2.0, CC BY…), et ce qu'aurait changé une licence permissive ;
- signale les obligations de ceux qui réutiliseront chaque projet (mention des auteurs, accès au code source, partage dans les mêmes conditions) et, le cas échéant, les questions de compatibilité entre licences.

Quelques pistes : GNU GPL, GNU AGPL, GNU LGPL, MIT, Apache 2.0, Licence Art Libre, CC BY-SA, ODbL. Plusieurs choix sont défendables : c'est la qualité de la justification qui compte.

### Évaluation par les pairs

Votre note sera lue et notée par d'autres participants de la session selon la grille d'évaluation de cet exercice. Vous évaluerez à votre tour plusieurs notes : attribuez des points pour chaque critère et expliquez dans votre commentaire ce qui est juste, ce qui manque ou ce qui est inexact.
`,
			Rubric: []Criterion{
				{ID: "libertes", Label: "Définition : les quatre libertés et ce qui rend une licence libre sont correctement expliqués", MaxPoints: 4},
				{ID: "choix", Label: "Choix : une licence précise et adaptée est proposée pour chacun des trois projets (logiciel, dessins, base de données)", MaxPoints: 6},
				{ID: "justification", Label: "Justification : le choix entre copyleft et licence permissive est argumenté au regard des souhaits du collectif", MaxPoints: 6},
				{ID: "obligations", Label: "Conséquences : les obligations des réutilisateurs et les questions de compatibilité sont correctement signalées", MaxPoints: 4},
			},
		},
		{
			Part: 3,
			Instructions: `## Trouver une œuvre sous licence Creative Commons et la créditer

### Contexte

Une œuvre sous licence Creative Commons n'est pas « libre de droits » : elle reste protégée par le droit d'auteur, mais son auteur autorise à l'avance certains usages, à certaines conditions. Encore faut-il lire la licence et créditer l'œuvre correctement.

### Ce que vous devez faire

1. Trouvez une œuvre (photo, illustration, musique, vidéo, texte…) publiée sous une licence Creative Commons autre que CC0, par exemple sur Wikimedia Commons, Openverse, Flickr ou Jamendo. Vérifiez la licence sur la page d'origine de l'œuvre, pas seulement dans un moteur de recherche.
2. Rédigez le crédit complet de l'œuvre selon la méthode **TASL** :
   - **T**itre de l'œuvre ;
   - **A**uteur, avec un lien vers sa page s'il en a une ;
   - **S**ource : lien vers la page de l'œuvre ;
   - **L**icence : nom et version, avec un lien vers le texte de la licence.

   Par exemple (œuvre fictive) : « Brume sur la Loire » par Jeanne Martin, via Wikimedia Commons, sous licence [CC BY-SA 4.0](https://creativecommons.org/licenses/by-sa/4.0/deed.fr). Si vous modifiez l'œuvre, il faut aussi l'indiquer.
3. Expliquez en quelques phrases chacun des éléments de la licence : BY et, selon le cas, SA, NC ou ND.
4. Répondez en justifiant : pour cette œuvre précise,
   - pourriez-vous l'utiliser sur la couverture d'un livre vendu en librairie ?
   - pourriez-vous la modifier (recadrage, remix, traduction…) et diffuser le résultat ? Sous quelle licence ?
   - pourriez-vous la combiner avec une œuvre sous CC BY-SA 4.0 pour créer une nouvelle œuvre ?
5. En une ou deux phrases, dites ce qui distingue CC0 des licences Creative Commons.

Votre rendu comprend le crédit et **250 à 500 mots** d'explications.

### Évaluation par les pairs

D'autres participants vérifieront votre crédit en suivant vos liens, puis noteront votre travail selon la grille d'évaluation de cet exercice. Vous ferez de même pour plusieurs travaux : ouvrez les liens, vérifiez la licence indiquée et signalez précisément toute erreur.
`,
			Rubric: []Criterion{
				{ID: "oeuvre", Label: "Œuvre : l'œuvre choisie est bien sous une licence Creative Commons, vérifiable depuis sa page d'origine", MaxPoints: 3},
				{ID: "credit", Label: "Crédit : titre, auteur, source et licence sont présents, exacts et accompagnés des liens (TASL)", MaxPoints: 6},
				{ID: "elements", Label: "Licence : les éléments BY, SA, NC et ND, ainsi que la différence avec CC0, sont expliqués sans erreur", MaxPoints: 5},
				{ID: "usages", Label: "Usages : les réponses sur l'usage commercial, la modification et la combinaison avec CC BY-SA sont justes et argumentées", MaxPoints: 6},
			},
		},
		{
			Part: 4,
			Instructions: `## Analyser un cas de réutilisation

### Contexte

Samir, enseignant et vidéaste amateur, prépare une vidéo de vulgarisation de dix minutes sur l'impressionnisme. Il la publiera sur une plateforme de vidéos, où elle sera accompagnée de publicités qui lui rapportent un peu d'argent. Il en tirera aussi un livret PDF vendu 5 €. Il compte utiliser :

1. des reproductions photographiques fidèles de tableaux de Claude Monet (mort en 1926), publiées par un musée avec la mention « tous droits réservés » ;
2. une photo du jardin de Giverny trouvée sur Flickr, sous licence CC BY-NC-SA 2.0 ;
3. un morceau de musique sous licence CC BY-ND 4.0, en fond sonore pendant toute la vidéo ;
4. deux paragraphes de l'article de Wikipédia sur l'impressionnisme (CC BY-SA 4.0), qu'il réécrira en partie pour le livret ;
5. un extrait de trente secondes d'un documentaire récent sur Monet, diffusé à la télévision ;
6. une photo qu'il a prise lui-même d'une sculpture contemporaine installée en permanence dans un jardin public, dont l'auteur est vivant.

### Ce que vous devez produire

Rédigez une analyse de **300 à 600 mots** qui présente :

- pour chaque élément, son statut (domaine public, licence et ses conditions, droits réservés, exception éventuelle) et si Samir peut l'utiliser comme il le prévoit, dans la vidéo et dans le livret ;
- les conditions bloquantes ou les incompatibilités : clause NC face à la publicité et à la vente, clause ND face à la synchronisation d'une musique avec des images, clause SA face au reste du livret, limites des exceptions ;
- une solution réaliste à chaque problème : autre œuvre, demande d'autorisation, modification du projet ;
- les crédits que Samir devra afficher et la ou les licences possibles pour sa vidéo et pour son livret.

Le droit n'apporte pas toujours une réponse certaine (par exemple sur ce qui est « commercial ») : dans ce cas, dites-le et expliquez le risque.

### Évaluation par les pairs

Votre analyse sera lue et notée par d'autres participants selon la grille d'évaluation de cet exercice. Vous évaluerez à votre tour plusieurs analyses : comparez-les à votre propre raisonnement, signalez les erreurs et reconnaissez les bonnes idées.
`,
			Rubric: []Criterion{
				{ID: "statut", Label: "Statut : la situation juridique de chaque élément est correctement analysée", MaxPoints: 6},
				{ID: "obstacles", Label: "Obstacles : les conditions bloquantes (NC, ND, SA, exceptions inapplicables) sont repérées et expliquées", MaxPoints: 5},
				{ID: "solutions", Label: "Solutions : des solutions réalistes sont proposées pour chaque problème", MaxPoints: 5},
				{ID: "resultat", Label: "Résultat : les crédits à afficher et les licences possibles de la vidéo et du livret sont correctement indiqués", MaxPoints: 4},
			},
		},
		{
			Part: 5,
			Instructions: `## Publier une de vos œuvres sous licence libre

### Contexte

Vous êtes vous-même auteur : photos, textes, dessins, enregistrements, programmes, cartes… Dans cette partie, vous passez de l'autre côté et décidez de ce que les autres pourront faire de votre travail.

### Ce que vous devez faire

1. Choisissez une de vos créations dont vous êtes le seul auteur, ou pour laquelle tous les coauteurs sont d'accord.
2. Choisissez une licence adaptée, par exemple CC BY 4.0, CC BY-SA 4.0, la Licence Art Libre 1.3, CC0 ou, pour un logiciel, la GNU GPL v3 ou la licence MIT. Si vous optez pour une licence comportant NC ou ND, expliquez pourquoi, en sachant qu'elle n'est pas libre au sens strict.
3. Publiez l'œuvre avec une mention de licence claire : sur Wikimedia Commons, un blog, une forge logicielle (Codeberg, Framagit, GitLab…), Internet Archive… Une mention complète indique l'auteur, le nom et la version de la licence, avec un lien vers son texte. Pour un logiciel, ajoutez un fichier contenant le texte de la licence (souvent nommé LICENSE) et une notice en tête des fichiers sources.

   Si vous ne souhaitez pas publier, rédigez la mention de licence telle qu'elle apparaîtrait et expliquez où vous la placeriez.
4. Rédigez une note de **300 à 600 mots** présentant :
   - l'œuvre et le lien vers sa publication (un pseudonyme convient très bien) ;
   - la licence choisie, comparée à au moins une autre licence envisagée, au regard de ce que vous voulez permettre ou non ;
   - les vérifications faites avant publication : êtes-vous titulaire de tous les droits (pas de cession antérieure à un éditeur ou à un employeur) ? L'œuvre contient-elle des éléments appartenant à d'autres (musique, extrait, logo) ? Les personnes reconnaissables ont-elles donné leur accord (droit à l'image) ? Les conditions d'utilisation de la plateforme sont-elles compatibles avec votre licence ?
   - ce que la licence change pour vous : vous restez titulaire de vos droits et gardez votre droit moral, mais vous ne pourrez pas retirer la licence à ceux qui ont déjà reçu l'œuvre.

### Évaluation par les pairs

D'autres participants consulteront votre publication et noteront votre note selon la grille d'évaluation de cet exercice. Vous évaluerez à votre tour plusieurs publications : vérifiez que la mention de licence est visible et complète, et que le choix de licence correspond bien aux intentions annoncées.
`,
			Rubric: []Criterion{
				{ID: "mention", Label: "Publication : l'œuvre est publiée, ou la mention prête, avec une mention de licence complète, bien placée et vérifiable", MaxPoints: 5},
				{ID: "choix", Label: "Choix : la licence correspond aux souhaits de l'auteur et est comparée justement à au moins une autre licence", MaxPoints: 6},
				{ID: "precautions", Label: "Précautions : la titularité des droits, les éléments de tiers et le droit à l'image sont examinés", MaxPoints: 5},
				{ID: "consequences", Label: "Conséquences : l'irrévocabilité de la licence et les droits que l'auteur conserve, dont le droit moral, sont bien compris", MaxPoints: 4},
			},
		},
		{
			Part: 6,
			Instructions: `## Contribuer à un commun et en rendre compte

### Contexte

Wikipédia, Wikimedia Commons, Wikidata, Wikisource, OpenStreetMap, Open Food Facts, les logiciels libres… Ces ressources sont des communs : une ressource partagée, une communauté qui en prend soin et des règles qu'elle se donne. Dans cet exercice, vous y participez.

### Ce que vous devez faire

1. Faites au moins une contribution réelle et utile à un commun de votre choix, par exemple :
   - améliorer un article de Wikipédia en y ajoutant une information sourcée ;
   - téléverser sur Wikimedia Commons une photo que vous avez prise, sous licence libre, et l'utiliser pour illustrer un article ;
   - compléter OpenStreetMap dans un lieu que vous connaissez (commerce, banc, sentier, horaires…) ;
   - transcrire ou relire une page sur Wikisource ;
   - ajouter un produit dans Open Food Facts ;
   - traduire, documenter ou signaler précisément un bogue dans un logiciel libre.
2. Avant de contribuer, lisez les règles de la communauté. Pour Wikipédia : neutralité de point de vue, sources vérifiables, pas de travail inédit. Pour OpenStreetMap : pas de copie de cartes protégées comme Google Maps, des données vérifiables sur le terrain. Pour Wikimedia Commons : uniquement des fichiers sous licence libre ou dans le domaine public.
3. Rédigez un compte rendu de **300 à 600 mots** présentant :
   - ce que vous avez fait, avec un lien vers votre contribution (différence de versions dans l'historique, groupe de modifications OpenStreetMap, page du fichier…) ; un pseudonyme convient très bien ;
   - les règles que vous avez appliquées, et comment ;
   - la licence sous laquelle votre contribution est désormais diffusée (CC BY-SA pour les textes de Wikipédia, CC0 pour Wikidata, ODbL pour OpenStreetMap…) et ce que cela implique ;
   - les difficultés rencontrées et vos échanges éventuels avec la communauté ;
   - ce que cette expérience vous apprend sur le fonctionnement d'un commun.

Ne faites pas de modification artificielle pour les besoins de l'exercice : une petite contribution utile vaut mieux qu'une grosse contribution contestable. Si votre contribution a été annulée, expliquez pourquoi : c'est aussi un apprentissage.

### Évaluation par les pairs

D'autres participants suivront votre lien et noteront votre compte rendu selon la grille d'évaluation de cet exercice. Vous évaluerez à votre tour plusieurs comptes rendus : vérifiez que la contribution existe, puis commentez avec bienveillance la démarche et la réflexion.
`,
			Rubric: []Criterion{
				{ID: "contribution", Label: "Contribution : réelle, utile au projet et vérifiable grâce au lien fourni", MaxPoints: 6},
				{ID: "regles", Label: "Règles : les règles et usages de la communauté sont connus et respectés", MaxPoints: 5},
				{ID: "licence", Label: "Licence : la licence de la contribution et ses conséquences sont correctement identifiées", MaxPoints: 4},
				{ID: "reflexion", Label: "Réflexion : le retour d'expérience est argumenté (difficultés, échanges, notion de commun)", MaxPoints: 5},
			},
		},
	}
}

// DefaultEvaluation returns the French bank of multiple-choice questions for
// the final evaluation. Question IDs start with "p1-" to "p6-", the number of
// the part whose theme the question covers; several questions have more than
// one correct choice. Each call returns fresh values that the caller may modify.
func DefaultEvaluation() []Question {
	q := func(id, text string, choices ...Choice) Question {
		return Question{ID: id, Text: text, Choices: choices}
	}
	ok := func(id, text string) Choice { return Choice{ID: id, Text: text, Correct: true} }
	no := func(id, text string) Choice { return Choice{ID: id, Text: text} }

	return []Question{
		// Partie 1 : les bases du droit d'auteur en France.
		q("p1-protection", "En France, à quelles conditions une création est-elle protégée par le droit d'auteur ?",
			ok("a", "Elle est originale : elle porte l'empreinte de la personnalité de son auteur."),
			ok("b", "Elle est exprimée dans une forme : une simple idée n'est pas protégée."),
			no("c", "Elle a été déposée auprès d'un organisme officiel."),
			no("d", "Elle porte le symbole ©."),
			no("e", "Sa valeur artistique est reconnue."),
		),
		q("p1-droits-moraux", "Parmi ces droits, lesquels sont des droits moraux de l'auteur ?",
			ok("a", "Le droit de divulgation"),
			ok("b", "Le droit de paternité"),
			ok("c", "Le droit au respect de l'œuvre"),
			no("d", "Le droit de reproduction"),
			no("e", "Le droit de représentation"),
		),
		q("p1-moral-caracteres", "Quelles affirmations sur le droit moral de l'auteur, en droit français, sont exactes ?",
			ok("a", "Il est perpétuel."),
			ok("b", "Il est inaliénable : l'auteur ne peut pas le céder."),
			no("c", "Il s'éteint 70 ans après la mort de l'auteur."),
			no("d", "Un éditeur peut l'acheter en même temps que les droits patrimoniaux."),
		),
		q("p1-duree", "En règle générale, combien de temps durent en France les droits patrimoniaux d'un auteur ?",
			no("a", "50 ans après la première publication de l'œuvre"),
			ok("b", "Toute la vie de l'auteur, puis 70 ans à compter du 1er janvier de l'année qui suit sa mort"),
			no("c", "100 ans après la création de l'œuvre"),
			no("d", "Ils sont perpétuels."),
		),
		q("p1-courte-citation", "Pour citer un extrait d'une œuvre sans autorisation au titre de la courte citation (article L. 122-5 du Code de la propriété intellectuelle), quelles conditions faut-il respecter ?",
			ok("a", "La citation est courte et justifiée par le caractère critique, polémique, pédagogique, scientifique ou d'information de l'œuvre qui l'incorpore."),
			ok("b", "Le nom de l'auteur et la source sont clairement indiqués."),
			no("c", "L'œuvre qui cite n'a aucun but commercial."),
			no("d", "La citation ne dépasse pas 10 % de l'œuvre citée."),
		),
		q("p1-non-protege", "Lequel de ces éléments n'est pas protégé par le droit d'auteur ?",
			ok("a", "Une idée de scénario qui n'a pas été développée"),
			no("b", "Une photographie originale"),
			no("c", "Un logiciel"),
			no("d", "Un plan d'architecte"),
		),

		// Partie 2 : les licences libres.
		q("p2-libertes", "Selon la définition de la Free Software Foundation, quelles libertés un logiciel libre garantit-il à ses utilisateurs ?",
			ok("a", "Exécuter le programme, pour tous les usages"),
			ok("b", "Étudier son fonctionnement et l'adapter, ce qui suppose l'accès au code source"),
			ok("c", "Redistribuer des copies"),
			ok("d", "Distribuer des versions modifiées"),
			no("e", "L'obtenir gratuitement"),
		),
		q("p2-copyleft", "Qu'est-ce que le copyleft ?",
			no("a", "L'abandon par l'auteur de tous ses droits"),
			ok("b", "Une clause qui impose que l'œuvre et ses versions modifiées, lorsqu'elles sont redistribuées, restent sous la même licence libre"),
			no("c", "L'interdiction de tout usage commercial"),
			no("d", "Un synonyme de domaine public"),
		),
		q("p2-gpl", "Une entreprise modifie un logiciel sous GNU GPL v3 et distribue la version modifiée à ses clients. Quelles sont ses obligations ?",
			ok("a", "Fournir à ses clients le code source correspondant, ou leur en donner l'accès"),
			ok("b", "Distribuer la version modifiée sous GNU GPL v3"),
			no("c", "Ne pas faire payer ses clients"),
			no("d", "Placer la version modifiée sous la licence propriétaire de son choix"),
		),
		q("p2-permissives", "Parmi ces licences, lesquelles sont des licences libres permissives, c'est-à-dire sans copyleft ?",
			ok("a", "MIT"),
			ok("b", "Apache 2.0"),
			no("c", "GNU GPL v3"),
			no("d", "CC BY-SA 4.0"),
			no("e", "Licence Art Libre 1.3"),
		),
		q("p2-gratuit", "« Libre » veut-il dire « gratuit » ?",
			no("a", "Oui : un logiciel libre ne peut pas être vendu."),
			ok("b", "Non : « libre » désigne les libertés des utilisateurs, et un logiciel libre peut être vendu."),
			no("c", "Oui, mais seulement pour les particuliers."),
		),
		q("p2-lal", "Quelles affirmations sur la Licence Art Libre sont exactes ?",
			ok("a", "Elle est née en France, à l'initiative du collectif Copyleft Attitude."),
			ok("b", "C'est une licence avec copyleft pensée pour les œuvres artistiques."),
			no("c", "Elle interdit l'usage commercial des œuvres."),
			no("d", "Elle ne s'applique qu'aux logiciels."),
		),
		q("p2-odbl", "Quelle licence OpenStreetMap applique-t-il à sa base de données ?",
			no("a", "CC0"),
			ok("b", "Open Database License (ODbL)"),
			no("c", "GNU GPL v3"),
			no("d", "CC BY-NC 4.0"),
		),

		// Partie 3 : les licences Creative Commons.
		q("p3-nc", "Que signifie la clause NC dans une licence Creative Commons ?",
			no("a", "Pas de modification"),
			ok("b", "Pas d'utilisation commerciale"),
			no("c", "Partage dans les mêmes conditions"),
			no("d", "Pas d'obligation de créditer l'auteur"),
		),
		q("p3-by", "Quel élément figure dans toutes les licences Creative Commons, mais pas dans CC0 ?",
			ok("a", "BY : l'attribution (créditer l'auteur)"),
			no("b", "SA : le partage dans les mêmes conditions"),
			no("c", "NC : pas d'utilisation commerciale"),
			no("d", "ND : pas de modification"),
		),
		q("p3-cc0", "Quelles affirmations sur CC0 sont exactes ?",
			ok("a", "C'est un outil par lequel le titulaire renonce à ses droits dans toute la mesure permise par la loi, pour rapprocher l'œuvre du domaine public."),
			no("b", "C'est une licence qui impose de créditer l'auteur."),
			ok("c", "En France, l'auteur conserve malgré tout son droit moral, qui est inaliénable."),
			no("d", "CC0 est réservé aux logiciels."),
		),
		q("p3-culture-libre", "Lesquels de ces outils permettent de publier des œuvres culturelles libres, que chacun peut réutiliser, modifier et diffuser, y compris commercialement ?",
			ok("a", "CC BY"),
			ok("b", "CC BY-SA"),
			no("c", "CC BY-NC"),
			no("d", "CC BY-ND"),
			ok("e", "CC0"),
		),
		q("p3-tasl", "Selon la méthode TASL, quels éléments comporte le crédit d'une œuvre sous licence Creative Commons ?",
			ok("a", "Le titre de l'œuvre"),
			ok("b", "Son auteur"),
			ok("c", "Sa source, avec un lien vers la page de l'œuvre"),
			ok("d", "Sa licence, avec un lien vers le texte de la licence"),
			no("e", "Le prix payé pour l'œuvre"),
		),
		q("p3-compat", "Vous voulez fusionner en un seul montage une image sous CC BY-SA 4.0 et une image sous CC BY-NC 4.0, puis diffuser le résultat. Est-ce possible sans autre autorisation ?",
			no("a", "Oui, en plaçant le montage sous CC BY-NC-SA 4.0."),
			ok("b", "Non : la clause SA impose de diffuser le montage sous CC BY-SA (ou une licence compatible), qui ne permet pas d'ajouter la restriction NC exigée par l'autre image."),
			no("c", "Oui, en plaçant le montage sous CC BY 4.0."),
		),
		q("p3-nd", "Une photo est sous licence CC BY-ND 4.0. Que pouvez-vous faire sans autre autorisation ?",
			ok("a", "La partager telle quelle, y compris dans un cadre commercial, en créditant l'auteur"),
			no("b", "En publier une version recadrée et retouchée"),
			ok("c", "L'insérer sans la modifier dans un article, en créditant l'auteur"),
			no("d", "L'utiliser dans un collage que vous diffusez"),
		),

		// Partie 4 : réutiliser des œuvres existantes.
		q("p4-hugo", "Victor Hugo est mort en 1885. Que peut-on faire aujourd'hui de ses romans en France ?",
			ok("a", "Les reproduire et les publier sans autorisation"),
			ok("b", "Les adapter, en respectant son droit moral (mention de son nom, respect de l'œuvre)"),
			no("c", "Rien sans l'accord de ses descendants"),
			no("d", "Les publier sous son propre nom"),
		),
		q("p4-traduction", "Un dialogue de Platon est dans le domaine public. Peut-on copier librement une traduction française publiée en 2010 ?",
			no("a", "Oui, puisque l'original est dans le domaine public."),
			ok("b", "Non : la traduction est une œuvre dérivée, protégée au profit du traducteur."),
			no("c", "Oui, à condition de citer Platon."),
		),
		q("p4-image-web", "Vous trouvez une photo sur un site web, sans mention d'auteur ni de licence. Qu'en déduire ?",
			no("a", "Elle est libre de droits puisqu'elle est en ligne."),
			ok("b", "Elle est protégée par défaut : il faut une autorisation ou une licence pour la réutiliser."),
			no("c", "Elle est dans le domaine public puisque son auteur est inconnu."),
		),
		q("p4-reproduction", "Selon l'article 14 de la directive européenne de 2019 sur le droit d'auteur, que vaut la reproduction photographique fidèle d'un tableau tombé dans le domaine public ?",
			no("a", "Elle fait naître un nouveau droit d'auteur au profit du photographe ou du musée."),
			ok("b", "Elle n'est protégée ni par le droit d'auteur ni par un droit voisin, sauf si elle est elle-même originale."),
			no("c", "Elle fait revenir le tableau dans le domaine protégé."),
		),
		q("p4-synchro", "Une musique est sous licence CC BY-ND 4.0. Pouvez-vous la synchroniser comme bande-son d'une vidéo que vous publiez ?",
			no("a", "Oui, puisque la musique elle-même n'est pas modifiée."),
			ok("b", "Non : pour les licences Creative Commons 4.0, synchroniser une musique avec des images animées produit une adaptation, que ND interdit de partager."),
			no("c", "Oui, à condition que la vidéo ne soit pas commerciale."),
		),
		q("p4-wikipedia", "Vous reprenez en le modifiant un paragraphe d'un article de Wikipédia (CC BY-SA 4.0) dans un document que vous diffusez. Quelles sont vos obligations ?",
			ok("a", "Créditer les auteurs, par exemple par un lien vers l'historique de l'article, et indiquer la licence"),
			ok("b", "Indiquer que le texte a été modifié"),
			ok("c", "Diffuser le paragraphe modifié sous CC BY-SA 4.0 ou une licence compatible"),
			no("d", "Demander l'autorisation de chaque contributeur de l'article"),
		),
		q("p4-exceptions", "Parmi ces usages, lesquels relèvent d'une exception prévue par l'article L. 122-5 du Code de la propriété intellectuelle ?",
			ok("a", "La parodie, le pastiche et la caricature, compte tenu des lois du genre"),
			ok("b", "Les représentations privées et gratuites dans le cercle de famille"),
			ok("c", "La copie réservée à l'usage privé de celui qui la réalise"),
			no("d", "La publication intégrale de l'album d'un photographe sur un blog non commercial"),
		),
		q("p4-panorama", "En France, vous photographiez une sculpture récente installée en permanence sur une place publique ; le sculpteur est vivant. Quelles affirmations sont exactes ?",
			ok("a", "En tant que particulier, vous pouvez publier la photo sur votre blog personnel, sans publicité ni but commercial."),
			no("b", "Vous pouvez vendre la photo en carte postale sans autorisation."),
			ok("c", "Sans l'accord du sculpteur, vous ne pouvez pas autoriser les réutilisations commerciales de la photo, par exemple en la plaçant sous CC BY-SA."),
		),

		// Partie 5 : publier ses propres œuvres.
		q("p5-choix", "Vous voulez que votre photo soit réutilisable par tous, y compris commercialement, à condition que vous soyez crédité et que les versions modifiées restent libres. Quelles licences répondent à ce souhait ?",
			ok("a", "CC BY-SA 4.0"),
			ok("b", "Licence Art Libre 1.3"),
			no("c", "CC BY-NC-SA 4.0"),
			no("d", "CC0"),
			no("e", "CC BY-ND 4.0"),
		),
		q("p5-revocation", "Vous avez publié un texte sous CC BY 4.0 et vous le regrettez. Que se passe-t-il ?",
			ok("a", "Vous pouvez cesser de diffuser le texte vous-même."),
			ok("b", "Ceux qui l'ont reçu sous CC BY 4.0 peuvent continuer à l'utiliser selon cette licence."),
			no("c", "Vous pouvez annuler la licence pour tout le monde, rétroactivement."),
			no("d", "La licence expire d'elle-même au bout d'un an."),
		),
		q("p5-verifications", "Avant de placer une de vos œuvres sous licence libre, que devez-vous vérifier ?",
			ok("a", "Que vous détenez bien les droits nécessaires : pas de coauteur opposé, pas de cession antérieure à un éditeur ou à un employeur"),
			ok("b", "Que l'œuvre n'incorpore pas d'éléments de tiers incompatibles avec la licence"),
			ok("c", "Que les personnes reconnaissables ont accepté la diffusion de leur image"),
			no("d", "Que l'œuvre a été déposée à l'INPI ou chez un notaire"),
		),
		q("p5-mention", "Comment indiquer correctement la licence d'une œuvre publiée en ligne ?",
			no("a", "Écrire seulement « libre de droits »"),
			ok("b", "Indiquer l'auteur, le nom et la version de la licence, avec un lien vers son texte"),
			ok("c", "Pour un logiciel, joindre un fichier contenant le texte de la licence (souvent LICENSE ou COPYING) et une notice dans les fichiers sources"),
			no("d", "Ne rien indiquer : une œuvre publiée en ligne est libre par défaut"),
		),
		q("p5-titulaire", "Un auteur qui publie son œuvre sous licence libre :",
			ok("a", "reste titulaire de ses droits d'auteur ;"),
			ok("b", "accorde à tous une autorisation non exclusive d'utiliser l'œuvre aux conditions de la licence ;"),
			ok("c", "peut, s'il est seul titulaire des droits, proposer aussi la même œuvre à d'autres conditions (double licence) ;"),
			no("d", "renonce à être mentionné comme auteur."),
		),

		// Partie 6 : contribuer aux communs.
		q("p6-commun", "Qu'est-ce qui caractérise un commun, au sens des travaux d'Elinor Ostrom ?",
			ok("a", "Une ressource partagée"),
			ok("b", "Une communauté qui en prend soin"),
			ok("c", "Des règles de gouvernance que cette communauté se donne"),
			no("d", "La propriété exclusive de l'État"),
		),
		q("p6-wikipedia", "Parmi ces principes, lesquels font partie des principes fondateurs de Wikipédia ?",
			ok("a", "La neutralité de point de vue"),
			ok("b", "La publication sous licence libre"),
			no("c", "La publication de travaux inédits"),
			ok("d", "Le respect des règles de savoir-vivre"),
		),
		q("p6-osm", "Pour contribuer à OpenStreetMap, que pouvez-vous faire ?",
			ok("a", "Ajouter des informations que vous avez relevées sur le terrain"),
			no("b", "Recopier des éléments de Google Maps"),
			ok("c", "Tracer à partir d'imageries aériennes dont l'usage est explicitement autorisé pour OpenStreetMap"),
			no("d", "Recopier la carte d'un guide touristique imprimé"),
		),
		q("p6-licence-wikipedia", "Sous quelle licence est diffusé le texte que vous ajoutez à un article de Wikipédia ?",
			ok("a", "Creative Commons Attribution – Partage dans les mêmes conditions (CC BY-SA)"),
			no("b", "Creative Commons Attribution – Pas d'utilisation commerciale (CC BY-NC)"),
			no("c", "Aucune : vous en gardez tous les droits réservés"),
			no("d", "ODbL"),
		),
		q("p6-wikidata", "Sous quel outil juridique sont placées les données de Wikidata ?",
			ok("a", "CC0"),
			no("b", "CC BY-SA 4.0"),
			no("c", "ODbL"),
			no("d", "CC BY-NC 4.0"),
		),
		q("p6-logiciel", "Lesquelles de ces actions sont des contributions utiles à un logiciel libre ?",
			ok("a", "Traduire son interface"),
			ok("b", "Signaler un bogue de façon précise et reproductible"),
			ok("c", "Améliorer sa documentation"),
			no("d", "Aucune : seul le code compte."),
		),
		q("p6-commons", "Lesquels de ces fichiers pouvez-vous téléverser sur Wikimedia Commons ?",
			ok("a", "Une photo que vous avez prise, sous licence libre (par exemple CC BY-SA 4.0)"),
			no("b", "Une image trouvée sur le site d'un journal"),
			ok("c", "Une œuvre dans le domaine public, en indiquant sa source"),
			no("d", "Une photo sous licence CC BY-NC 4.0"),
		),
	}
}
