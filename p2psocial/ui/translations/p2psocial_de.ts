<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Opening your home…</source>
        <translation>Deine Daten werden geöffnet…</translation>
    </message>
    <message>
        <source>That passphrase does not open this home</source>
        <comment>Unlock</comment>
        <translation>Mit dieser Passphrase lassen sich diese Daten nicht öffnen</translation>
    </message>
    <message>
        <source>This home is kept open by p2psocial serve (pid {0}), which has no window. Stop it to open your home here, or use the command line.</source>
        <translation>Diese Daten hält p2psocial serve (PID {0}) offen, das kein Fenster hat. Beende es, um deine Daten hier zu öffnen, oder nutze die Kommandozeile.</translation>
    </message>
    <message>
        <source>Avatar of {0}</source>
        <translation>Profilbild von {0}</translation>
    </message>
    <message>
        <source>The image {0} could not be read: {1}</source>
        <translation>Das Bild {0} konnte nicht gelesen werden: {1}</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <source>Describe the image</source>
        <translation>Beschreibe das Bild</translation>
    </message>
    <message>
        <source>Description of image {0}</source>
        <translation>Beschreibung von Bild {0}</translation>
    </message>
    <message>
        <source>Remove image {0} ({1})</source>
        <translation>Bild {0} entfernen ({1})</translation>
    </message>
    <message>
        <source>Remove {0}</source>
        <translation>{0} entfernen</translation>
    </message>
    <message>
        <source>Unreadable</source>
        <translation>Nicht lesbar</translation>
    </message>
    <message>
        <source>People to mention</source>
        <translation>Personen zum Erwähnen</translation>
    </message>
    <message>
        <source>Cancel the reply</source>
        <translation>Antwort abbrechen</translation>
    </message>
    <message>
        <source>Content warning: shown instead of the post until someone opens it</source>
        <translation>Inhaltswarnung: wird statt des Beitrags angezeigt, bis jemand ihn öffnet</translation>
    </message>
    <message>
        <source>Content warning</source>
        <translation>Inhaltswarnung</translation>
    </message>
    <message>
        <source>Post text</source>
        <translation>Text des Beitrags</translation>
    </message>
    <message>
        <source>What would you like to say? (@ and a name mentions someone)</source>
        <translation>Was möchtest du sagen? (@ und ein Name erwähnt jemanden)</translation>
    </message>
    <message numerus="yes">
        <source>%n character(s) left</source>
        <translation>
            <numerusform>Noch %n Zeichen</numerusform>
            <numerusform>Noch %n Zeichen</numerusform>
        </translation>
    </message>
    <message>
        <source>Image</source>
        <translation>Bild</translation>
    </message>
    <message>
        <source>This reply is public: everyone can read it, and see which followers-only post it answers.</source>
        <translation>Diese Antwort ist öffentlich: Alle können sie lesen und sehen, auf welchen Beitrag nur für Follower sie antwortet.</translation>
    </message>
    <message>
        <source>Attach images</source>
        <translation>Bilder anhängen</translation>
    </message>
    <message>
        <source>Attach images (JPEG, PNG, WebP or GIF)</source>
        <translation>Bilder anhängen (JPEG, PNG, WebP oder GIF)</translation>
    </message>
    <message>
        <source>CW</source>
        <translation>CW</translation>
    </message>
    <message>
        <source>Add a content warning</source>
        <translation>Inhaltswarnung hinzufügen</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>Followers I approved</source>
        <translation>Von mir freigegebene Follower</translation>
    </message>
    <message>
        <source>Who can read this</source>
        <translation>Wer das lesen kann</translation>
    </message>
    <message>
        <source>Who can read this: everyone, or only the followers you approved on their profile</source>
        <translation>Wer das lesen kann: alle, oder nur die Follower, die du auf ihrem Profil freigegeben hast</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Send (Ctrl+Enter)</source>
        <translation>Senden (Strg+Eingabe)</translation>
    </message>
    <message>
        <source>Replying to {0}</source>
        <translation>Antwort an {0}</translation>
    </message>
    <message>
        <source>Reply to {0}</source>
        <translation>{0} antworten</translation>
    </message>
    <message>
        <source>The draft was not saved: {0}</source>
        <translation>Der Entwurf wurde nicht gespeichert: {0}</translation>
    </message>
    <message>
        <source>{0} too many</source>
        <translation>{0} zu viel</translation>
    </message>
    <message>
        <source>The post is {0} characters; the limit is {1}.</source>
        <translation>Der Beitrag hat {0} Zeichen; erlaubt sind {1}.</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Wird gesendet…</translation>
    </message>
    <message>
        <source>A post has at most {0} images.</source>
        <translation>Ein Beitrag hat höchstens {0} Bilder.</translation>
    </message>
    <message>
        <source>Images ({0})</source>
        <translation>Bilder ({0})</translation>
    </message>
    <message>
        <source>A post has at most {0} images; the rest were left out.</source>
        <translation>Ein Beitrag hat höchstens {0} Bilder; die übrigen wurden weggelassen.</translation>
    </message>
    <message>
        <source>{0} is not an image: choose a JPEG, PNG, WebP or GIF file</source>
        <translation>{0} ist kein Bild: Wähle eine JPEG-, PNG-, WebP- oder GIF-Datei</translation>
    </message>
    <message>
        <source>Settings not saved: {0}</source>
        <translation>Einstellungen nicht gespeichert: {0}</translation>
    </message>
    <message>
        <source>Nothing here yet — follow someone from People, or write your first post.</source>
        <translation>Hier ist noch nichts – folge jemandem unter „Personen“ oder schreib deinen ersten Beitrag.</translation>
    </message>
    <message>
        <source>Home timeline</source>
        <translation>Deine Timeline</translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation>An Fenster anpassen</translation>
    </message>
    <message>
        <source>No description</source>
        <translation>Keine Beschreibung</translation>
    </message>
    <message>
        <source>An image without a description</source>
        <translation>Ein Bild ohne Beschreibung</translation>
    </message>
    <message>
        <source>Image ({0} of {1})</source>
        <translation>Bild ({0} von {1})</translation>
    </message>
    <message>
        <source>This image is not available: no one who has it is connected, or it cannot be read.</source>
        <translation>Dieses Bild ist nicht verfügbar: Niemand, der es hat, ist verbunden, oder es lässt sich nicht lesen.</translation>
    </message>
    <message>
        <source>This image could not be loaded: {0}</source>
        <translation>Dieses Bild konnte nicht geladen werden: {0}</translation>
    </message>
    <message>
        <source>{0} mentioned you</source>
        <translation>{0} hat dich erwähnt</translation>
    </message>
    <message>
        <source>{0} replied to your post</source>
        <translation>{0} hat auf deinen Beitrag geantwortet</translation>
    </message>
    <message>
        <source>{0} reacted {1} to your post</source>
        <translation>{0} hat mit {1} auf deinen Beitrag reagiert</translation>
    </message>
    <message>
        <source>{0} followed you</source>
        <translation>{0} folgt dir jetzt</translation>
    </message>
    <message>
        <source>This post was deleted.</source>
        <translation>Dieser Beitrag wurde gelöscht.</translation>
    </message>
    <message>
        <source>Hidden: contains “{0}”</source>
        <translation>Ausgeblendet: enthält „{0}“</translation>
    </message>
    <message>
        <source>Content warning: {0}</source>
        <translation>Inhaltswarnung: {0}</translation>
    </message>
    <message>
        <source>unread</source>
        <translation>ungelesen</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Mitteilungen</translation>
    </message>
    <message>
        <source>No notifications yet. When someone mentions you, replies to you, reacts to your posts or follows you, it shows here.</source>
        <translation>Noch keine Mitteilungen. Wenn dich jemand erwähnt, dir antwortet, auf deine Beiträge reagiert oder dir folgt, siehst du es hier.</translation>
    </message>
    <message>
        <source>Welcome to p2psocial</source>
        <translation>Willkommen bei p2psocial</translation>
    </message>
    <message>
        <source>Your posts live on this computer and travel directly to the people you follow. Choose the name others will see.</source>
        <translation>Deine Beiträge liegen auf diesem Computer und gehen direkt an die Menschen, denen du folgst. Wähle den Namen, den andere sehen.</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>Dein Name</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>Type it again</source>
        <translation>Noch einmal eingeben</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Your picture</source>
        <translation>Dein Bild</translation>
    </message>
    <message>
        <source>Optional: a picture others see beside your name</source>
        <translation>Optional: ein Bild, das andere neben deinem Namen sehen</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Repeat passphrase</source>
        <translation>Passphrase wiederholen</translation>
    </message>
    <message>
        <source>A passphrase protects your keys on this computer; you will need it each time the app starts.</source>
        <translation>Eine Passphrase schützt deine Schlüssel auf diesem Computer; du brauchst sie bei jedem Start der App.</translation>
    </message>
    <message>
        <source>I already have an account</source>
        <translation>Ich habe schon ein Konto</translation>
    </message>
    <message>
        <source>I already use p2psocial on another device</source>
        <translation>Ich nutze p2psocial schon auf einem anderen Gerät</translation>
    </message>
    <message>
        <source>Create my profile</source>
        <translation>Mein Profil anlegen</translation>
    </message>
    <message>
        <source>Your recovery phrase</source>
        <translation>Deine Wiederherstellungswörter</translation>
    </message>
    <message>
        <source>Write these 24 words down on paper, in order, and keep them somewhere safe. They bring your account back if this computer is lost. Anyone who has them can act as you: never type them into a website or send them to anyone.</source>
        <translation>Schreib diese 24 Wörter der Reihe nach auf Papier und bewahre sie sicher auf. Mit ihnen bekommst du dein Konto zurück, wenn dieser Computer verloren geht. Wer sie hat, kann als du auftreten: Gib sie nie auf einer Website ein und schicke sie niemandem.</translation>
    </message>
    <message>
        <source>I have written these 24 words down</source>
        <translation>Ich habe die 24 Wörter aufgeschrieben</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Weiter</translation>
    </message>
    <message>
        <source>Bring your account to this computer</source>
        <translation>Dein Konto auf diesen Computer holen</translation>
    </message>
    <message>
        <source>From your recovery phrase</source>
        <translation>Aus deinen Wiederherstellungswörtern</translation>
    </message>
    <message>
        <source>Link this computer to your account</source>
        <translation>Diesen Computer mit deinem Konto verbinden</translation>
    </message>
    <message>
        <source>On a device where you already use p2psocial, open Settings → Devices → “Link a new device…” and paste its code here. That device must stay online until this one has linked.</source>
        <translation>Öffne auf einem Gerät, auf dem du p2psocial schon nutzt, Einstellungen → Geräte → „Neues Gerät verbinden…“ und füge den Code hier ein. Jenes Gerät muss online bleiben, bis dieses verbunden ist.</translation>
    </message>
    <message>
        <source>The code starting with p2pslnk1</source>
        <translation>Der Code, der mit p2pslnk1 beginnt</translation>
    </message>
    <message>
        <source>How you will know this computer</source>
        <translation>Woran du diesen Computer erkennst</translation>
    </message>
    <message>
        <source>Device name</source>
        <translation>Gerätename</translation>
    </message>
    <message>
        <source>Link this device</source>
        <translation>Dieses Gerät verbinden</translation>
    </message>
    <message>
        <source>This device</source>
        <translation>Dieses Gerät</translation>
    </message>
    <message>
        <source>Unnamed device</source>
        <translation>Gerät ohne Namen</translation>
    </message>
    <message>
        <source>linked {0}</source>
        <translation>verbunden {0}</translation>
    </message>
    <message>
        <source>keeps the account key</source>
        <translation>bewahrt den Kontoschlüssel auf</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Geräte</translation>
    </message>
    <message>
        <source>Use your account on several computers: each one is a device with its own key. Revoke one that is lost or stolen.</source>
        <translation>Nutze dein Konto auf mehreren Computern: Jeder ist ein Gerät mit eigenem Schlüssel. Widerrufe eines, das verloren oder gestohlen ist.</translation>
    </message>
    <message>
        <source>Link a new device…</source>
        <translation>Neues Gerät verbinden…</translation>
    </message>
    <message>
        <source>Linked {0}</source>
        <translation>Verbunden: {0}</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Its entries after its entry {0} are refused</source>
        <translation>Seine Einträge nach seinem Eintrag {0} werden abgelehnt</translation>
    </message>
    <message>
        <source>Revoke…</source>
        <translation>Widerrufen…</translation>
    </message>
    <message>
        <source>Revoke {0}</source>
        <translation>{0} widerrufen</translation>
    </message>
    <message>
        <source>Revoked {0}: its later entries are refused by every peer that learns this, and what is sent to you from now on uses a new key it lacks.</source>
        <translation>{0} widerrufen: Jeder, der davon erfährt, lehnt seine späteren Einträge ab, und was dir ab jetzt geschickt wird, nutzt einen neuen Schlüssel, den es nicht hat.</translation>
    </message>
    <message>
        <source>Revoke a device</source>
        <translation>Ein Gerät widerrufen</translation>
    </message>
    <message>
        <source>Revoke “{0}”?</source>
        <translation>„{0}“ widerrufen?</translation>
    </message>
    <message>
        <source>Do this for a device that is lost, stolen or no longer yours. It cannot be undone. Once revoked:</source>
        <translation>Tu das für ein Gerät, das verloren, gestohlen oder nicht mehr deins ist. Es lässt sich nicht rückgängig machen. Danach gilt:</translation>
    </message>
    <message>
        <source>what it writes from now on, posts included, is refused by everyone who learns of this;</source>
        <translation>was es ab jetzt schreibt, Beiträge eingeschlossen, lehnt jeder ab, der davon erfährt;</translation>
    </message>
    <message>
        <source>it cannot read what is sent to you afterwards;</source>
        <translation>es kann nicht lesen, was dir danach geschickt wird;</translation>
    </message>
    <message>
        <source>your groups get new keys.</source>
        <translation>deine Gruppen bekommen neue Schlüssel.</translation>
    </message>
    <message>
        <source>The 24 words, in order</source>
        <translation>Die 24 Wörter, in der richtigen Reihenfolge</translation>
    </message>
    <message>
        <source>This device does not keep your account key: type your recovery phrase to revoke.</source>
        <translation>Dieses Gerät hat den Schlüssel deines Kontos nicht: Gib deine Wiederherstellungswörter ein, um zu widerrufen.</translation>
    </message>
    <message>
        <source>Type your recovery phrase first</source>
        <translation>Gib zuerst deine Wiederherstellungswörter ein</translation>
    </message>
    <message>
        <source>Revoking…</source>
        <translation>Wird widerrufen…</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>Wiederherstellen</translation>
    </message>
    <message>
        <source>Recovery phrase</source>
        <translation>Wiederherstellungswörter</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>Neue Passphrase</translation>
    </message>
    <message>
        <source>From a backup file</source>
        <translation>Aus einer Sicherungsdatei</translation>
    </message>
    <message>
        <source>The file made by Export backup</source>
        <translation>Die Datei von „Sicherung exportieren“</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Auswählen…</translation>
    </message>
    <message>
        <source>Only if the backup has one</source>
        <translation>Nur wenn die Sicherung eine hat</translation>
    </message>
    <message>
        <source>Restore from backup</source>
        <translation>Aus der Sicherung wiederherstellen</translation>
    </message>
    <message>
        <source>Backup file</source>
        <translation>Sicherungsdatei</translation>
    </message>
    <message>
        <source>Backup passphrase</source>
        <translation>Passphrase der Sicherung</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
    <message>
        <source>Choose a name first</source>
        <translation>Wähle zuerst einen Namen</translation>
    </message>
    <message>
        <source>Creating your profile…</source>
        <translation>Dein Profil wird angelegt…</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.gif)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.webp *.gif)</translation>
    </message>
    <message>
        <source>Choose another…</source>
        <translation>Ein anderes wählen…</translation>
    </message>
    <message>
        <source>Choose the name others will see</source>
        <translation>Wähle den Namen, den andere sehen</translation>
    </message>
    <message>
        <source>Restoring your account…</source>
        <translation>Dein Konto wird wiederhergestellt…</translation>
    </message>
    <message>
        <source>Choose a backup file</source>
        <translation>Sicherungsdatei auswählen</translation>
    </message>
    <message>
        <source>Choose a backup file first</source>
        <translation>Wähle zuerst eine Sicherungsdatei</translation>
    </message>
    <message>
        <source>Restoring from the backup…</source>
        <translation>Die Sicherung wird wiederhergestellt…</translation>
    </message>
    <message>
        <source>Paste the code your other device shows first</source>
        <translation>Füge zuerst den Code ein, den dein anderes Gerät zeigt</translation>
    </message>
    <message>
        <source>Give this device a name</source>
        <translation>Gib diesem Gerät einen Namen</translation>
    </message>
    <message>
        <source>Linking with your other device, then fetching your account…</source>
        <translation>Verbinde mit deinem anderen Gerät, dann wird dein Konto geholt…</translation>
    </message>
    <message>
        <source>This backup is protected by a passphrase: enter it below</source>
        <translation>Diese Sicherung ist mit einer Passphrase geschützt: Gib sie unten ein</translation>
    </message>
    <message>
        <source>The two passphrases are not the same</source>
        <translation>Die beiden Passphrasen sind nicht gleich</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Online: no peer connected yet</source>
        <translation>Online: noch kein Peer verbunden</translation>
    </message>
    <message>
        <source>Starting the network…</source>
        <translation>Das Netzwerk startet…</translation>
    </message>
    <message>
        <source>The network is stopped</source>
        <translation>Das Netzwerk ist angehalten</translation>
    </message>
    <message>
        <source>Home</source>
        <translation>Startseite</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Sections</source>
        <translation>Bereiche</translation>
    </message>
    <message>
        <source>What stays private, and what does not (F1)</source>
        <translation>Was privat bleibt und was nicht (F1)</translation>
    </message>
    <message>
        <source>Back (Alt+Left)</source>
        <translation>Zurück (Alt+Links)</translation>
    </message>
    <message>
        <source>{0}, {1} unread</source>
        <translation>{0}, {1} ungelesen</translation>
    </message>
    <message>
        <source>Online · {0} connected</source>
        <translation>Online · {0} verbunden</translation>
    </message>
    <message numerus="yes">
        <source>Online · %n known peer(s), none reachable now</source>
        <translation>
            <numerusform>Online · %n bekannter Peer, gerade nicht erreichbar</numerusform>
            <numerusform>Online · %n bekannte Peers, keiner gerade erreichbar</numerusform>
        </translation>
    </message>
    <message>
        <source>Online · no peers yet</source>
        <translation>Online · noch keine Peers</translation>
    </message>
    <message>
        <source>Offline: {0}</source>
        <translation>Offline: {0}</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbindung wird aufgebaut…</translation>
    </message>
    <message numerus="yes">
        <source>Online: connected to %n peer(s)</source>
        <translation>
            <numerusform>Online: mit %n Peer verbunden</numerusform>
            <numerusform>Online: mit %n Peers verbunden</numerusform>
        </translation>
    </message>
    <message>
        <source>Others on the internet can connect to you.</source>
        <translation>Andere im Internet können sich mit dir verbinden.</translation>
    </message>
    <message>
        <source>Others on the internet can connect to you through a port your router opened.</source>
        <translation>Andere im Internet können sich mit dir verbinden, über einen Port, den dein Router geöffnet hat.</translation>
    </message>
    <message>
        <source>Others on the internet cannot connect to you: your router stands in the way. You connect to them, or through a friend who relays.</source>
        <translation>Andere im Internet können sich nicht mit dir verbinden: Dein Router steht im Weg. Du verbindest dich mit ihnen, oder über eine Freundin oder einen Freund, die weiterleiten.</translation>
    </message>
    <message>
        <source>Not known yet whether others on the internet can connect to you.</source>
        <translation>Noch unbekannt, ob andere im Internet sich mit dir verbinden können.</translation>
    </message>
    <message>
        <source>(A friend checked.)</source>
        <translation>(Von Freunden geprüft.)</translation>
    </message>
    <message>
        <source>(Not checked by a friend yet.)</source>
        <translation>(Noch nicht von Freunden geprüft.)</translation>
    </message>
    <message>
        <source>on your home network</source>
        <translation>in deinem Heimnetz</translation>
    </message>
    <message>
        <source>directly</source>
        <translation>direkt</translation>
    </message>
    <message>
        <source>directly, through an opened port</source>
        <translation>direkt, über einen geöffneten Port</translation>
    </message>
    <message>
        <source>directly, through both routers</source>
        <translation>direkt, durch beide Router</translation>
    </message>
    <message>
        <source>through a friend&apos;s relay</source>
        <translation>über die Weiterleitung von Freunden</translation>
    </message>
    <message>
        <source>last seen {0}</source>
        <translation>zuletzt gesehen {0}</translation>
    </message>
    <message>
        <source>never reached yet</source>
        <translation>noch nie erreicht</translation>
    </message>
    <message>
        <source>Connecting now ({0}).</source>
        <translation>Wird jetzt verbunden ({0}).</translation>
    </message>
    <message>
        <source>Refused for a while: it broke the rules ({0}).</source>
        <translation>Eine Weile abgewiesen: Es hat gegen die Regeln verstoßen ({0}).</translation>
    </message>
    <message>
        <source>It reached you before but never said where it is: it connects when it reaches you again ({0}).</source>
        <translation>Es hat dich schon erreicht, aber nie gesagt, wo es zu finden ist: Es verbindet sich, wenn es dich wieder erreicht ({0}).</translation>
    </message>
    <message>
        <source>Neither of you accepts incoming connections and no common friend can relay: turn on port mapping (UPnP) on one of your routers, or both connect to a friend whose box is reachable ({0}).</source>
        <translation>Keiner von euch nimmt eingehende Verbindungen an, und keine gemeinsamen Freunde können weiterleiten: Schaltet Portfreigabe (UPnP) an einem eurer Router ein, oder verbindet euch beide mit Freunden, deren Box erreichbar ist ({0}).</translation>
    </message>
    <message>
        <source>Not reachable now: {0}; will keep trying.</source>
        <translation>Gerade nicht erreichbar: {0}; es wird weiter versucht.</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>wird verbunden</translation>
    </message>
    <message>
        <source>refused for a while</source>
        <translation>eine Weile abgewiesen</translation>
    </message>
    <message>
        <source>no address known</source>
        <translation>keine Adresse bekannt</translation>
    </message>
    <message>
        <source>both behind routers, no relay</source>
        <translation>beide hinter Routern, keine Weiterleitung</translation>
    </message>
    <message>
        <source>not reachable now</source>
        <translation>gerade nicht erreichbar</translation>
    </message>
    <message>
        <source>Nobody here yet. Finding people on the same network is off (Settings); to reach someone, send them your invite or paste theirs.</source>
        <translation>Noch niemand hier. Die Suche nach Leuten im selben Netzwerk ist aus (Einstellungen); um jemanden zu erreichen, schick ihm deine Einladung oder füge seine ein.</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>Refused for a while</source>
        <translation>Vorübergehend abgewiesen</translation>
    </message>
    <message>
        <source>{0} · nearby</source>
        <translation>{0} · in der Nähe</translation>
    </message>
    <message>
        <source>up to date</source>
        <translation>auf dem neuesten Stand</translation>
    </message>
    <message>
        <source>received {0} · sent {1}</source>
        <translation>{0} empfangen · {1} gesendet</translation>
    </message>
    <message>
        <source>connected, syncing…</source>
        <translation>verbunden, wird abgeglichen…</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>Verbindung wird aufgebaut…</translation>
    </message>
    <message>
        <source>connected and up to date</source>
        <translation>verbunden und auf dem neuesten Stand</translation>
    </message>
    <message>
        <source>not reachable now, will keep trying — {0}</source>
        <translation>gerade nicht erreichbar, es wird weiter versucht – {0}</translation>
    </message>
    <message>
        <source>Joined the community {0}: {1}</source>
        <translation>Du bist der Gemeinschaft {0} beigetreten: {1}</translation>
    </message>
    <message>
        <source>Another device of your account: {0}</source>
        <translation>Ein weiteres Gerät deines Kontos: {0}</translation>
    </message>
    <message>
        <source>Following {0}: {1}</source>
        <translation>Du folgst jetzt {0}: {1}</translation>
    </message>
    <message>
        <source>You already follow {0}: {1}</source>
        <translation>Du folgst {0} schon: {1}</translation>
    </message>
    <message>
        <source>nothing answers at the addresses in the code; they may be offline</source>
        <translation>unter den Adressen im Code antwortet niemand; vielleicht ist die Person offline</translation>
    </message>
    <message>
        <source>neither of you accepts incoming connections, and no common friend can relay</source>
        <translation>keiner von euch nimmt eingehende Verbindungen an, und kein gemeinsamer Kontakt kann vermitteln</translation>
    </message>
    <message>
        <source>it broke the rules and is refused for a while</source>
        <translation>es hat gegen die Regeln verstoßen und wird eine Weile abgewiesen</translation>
    </message>
    <message>
        <source>the code holds no address to reach them at</source>
        <translation>der Code enthält keine Adresse, unter der die Person erreichbar ist</translation>
    </message>
    <message>
        <source>no answer yet from the addresses in the code</source>
        <translation>noch keine Antwort von den Adressen im Code</translation>
    </message>
    <message>
        <source>they will be reached when the network is on</source>
        <translation>ihr werdet verbunden, sobald das Netzwerk läuft</translation>
    </message>
    <message>
        <source>Your invite</source>
        <translation>Deine Einladung</translation>
    </message>
    <message>
        <source>Send this code to someone, or let them scan it: their app connects to yours and follows you.</source>
        <translation>Schick diesen Code jemandem oder lass ihn scannen: Die App der anderen Person verbindet sich mit deiner und folgt dir.</translation>
    </message>
    <message>
        <source>Invite to:</source>
        <translation>Einladen zu:</translation>
    </message>
    <message>
        <source>Invite to</source>
        <translation>Einladen zu</translation>
    </message>
    <message>
        <source>Just me</source>
        <translation>Nur mir</translation>
    </message>
    <message>
        <source>Your invite code</source>
        <translation>Dein Einladungscode</translation>
    </message>
    <message>
        <source>Link a new device</source>
        <translation>Neues Gerät verbinden</translation>
    </message>
    <message>
        <source>On the new computer, open p2psocial, choose “I already use p2psocial on another device” and paste this code. Keep the app open here until it has linked.</source>
        <translation>Öffne p2psocial auf dem neuen Computer, wähle „Ich nutze p2psocial schon auf einem anderen Gerät“ und füge diesen Code ein. Lass die App hier offen, bis es verbunden ist.</translation>
    </message>
    <message>
        <source>Link code</source>
        <translation>Verbindungscode</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the link code</source>
        <translation>Den Verbindungscode kopieren</translation>
    </message>
    <message>
        <source>The link code, to scan</source>
        <translation>Der Verbindungscode zum Scannen</translation>
    </message>
    <message>
        <source>New code</source>
        <translation>Neuer Code</translation>
    </message>
    <message>
        <source>Valid until {0}, once</source>
        <translation>Gültig bis {0}, einmal</translation>
    </message>
    <message>
        <source>Code copied</source>
        <translation>Code kopiert</translation>
    </message>
    <message>
        <source>This code has expired: make a new one</source>
        <translation>Dieser Code ist abgelaufen: Erstelle einen neuen</translation>
    </message>
    <message>
        <source>Linked {0}: it is catching up with your account now</source>
        <translation>{0} verbunden: Es holt jetzt nach, was dein Konto hat</translation>
    </message>
    <message>
        <source>Copy your invite code</source>
        <translation>Deinen Einladungscode kopieren</translation>
    </message>
    <message>
        <source>Your invite as a QR code</source>
        <translation>Deine Einladung als QR-Code</translation>
    </message>
    <message>
        <source>Join with a code</source>
        <translation>Mit einem Code beitreten</translation>
    </message>
    <message>
        <source>Paste the invite code someone sent you.</source>
        <translation>Füge den Einladungscode ein, den dir jemand geschickt hat.</translation>
    </message>
    <message>
        <source>Invite code</source>
        <translation>Einladungscode</translation>
    </message>
    <message>
        <source>Invite code to join</source>
        <translation>Einladungscode zum Beitreten</translation>
    </message>
    <message>
        <source>Community · {0}</source>
        <translation>Gemeinschaft · {0}</translation>
    </message>
    <message>
        <source>{0} · joined</source>
        <translation>{0} · beigetreten</translation>
    </message>
    <message>
        <source>{0} · full</source>
        <translation>{0} · voll</translation>
    </message>
    <message>
        <source>{0} is full: nobody can join it any more.</source>
        <translation>{0} ist voll: Niemand kann mehr beitreten.</translation>
    </message>
    <message>
        <source>The network is off, so communities nearby cannot be seen. They show here once it is on.</source>
        <translation>Das Netzwerk ist aus, daher sind keine Gemeinschaften in der Nähe zu sehen. Sie erscheinen hier, sobald es an ist.</translation>
    </message>
    <message>
        <source>Finding people on the local network is off (Settings), so communities nearby cannot be seen.</source>
        <translation>Das Finden von Personen im lokalen Netzwerk ist ausgeschaltet (Einstellungen), daher sind keine Gemeinschaften in der Nähe zu sehen.</translation>
    </message>
    <message>
        <source>Looking for communities nearby…</source>
        <translation>Suche nach Gemeinschaften in der Nähe…</translation>
    </message>
    <message>
        <source>No community nearby yet. Start one in Messages (New community): everyone on your local network can see it and join.</source>
        <translation>Noch keine Gemeinschaft in der Nähe. Gründe eine unter Nachrichten (Neue Gemeinschaft): Alle in deinem lokalen Netzwerk können sie sehen und ihr beitreten.</translation>
    </message>
    <message>
        <source>Communities nearby</source>
        <translation>Gemeinschaften in der Nähe</translation>
    </message>
    <message>
        <source>Open to everyone on your local network: join one to read and write in it with everyone there, followed or not.</source>
        <translation>Offen für alle in deinem lokalen Netzwerk: Tritt einer bei, um darin mit allen dort zu lesen und zu schreiben, ob du ihnen folgst oder nicht.</translation>
    </message>
    <message>
        <source>Community</source>
        <translation>Gemeinschaft</translation>
    </message>
    <message>
        <source>Started by</source>
        <translation>Gegründet von</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>Beitreten</translation>
    </message>
    <message>
        <source>Full</source>
        <translation>Voll</translation>
    </message>
    <message>
        <source>Open {0} in Messages</source>
        <translation>{0} in Nachrichten öffnen</translation>
    </message>
    <message>
        <source>Join {0}</source>
        <translation>{0} beitreten</translation>
    </message>
    <message>
        <source>Joining {0}…</source>
        <translation>{0} wird beigetreten…</translation>
    </message>
    <message>
        <source>You joined {0}.</source>
        <translation>Du bist {0} beigetreten.</translation>
    </message>
    <message>
        <source>Could not join {0}: {1}</source>
        <translation>Beitritt zu {0} nicht möglich: {1}</translation>
    </message>
    <message>
        <source>New community</source>
        <translation>Neue Gemeinschaft</translation>
    </message>
    <message>
        <source>Anyone on your local network can see this community (People, Communities nearby) and join it with one click, and everyone in it reads what is written there. Nobody adds or removes members.</source>
        <translation>Alle in deinem lokalen Netzwerk können diese Gemeinschaft sehen (Personen, Gemeinschaften in der Nähe) und ihr mit einem Klick beitreten, und alle darin lesen, was dort geschrieben wird. Niemand fügt Mitglieder hinzu oder entfernt sie.</translation>
    </message>
    <message>
        <source>Community name</source>
        <translation>Name der Gemeinschaft</translation>
    </message>
    <message>
        <source>Cancel the new community</source>
        <translation>Neue Gemeinschaft abbrechen</translation>
    </message>
    <message>
        <source>Create community</source>
        <translation>Gemeinschaft gründen</translation>
    </message>
    <message>
        <source>Create the community</source>
        <translation>Die Gemeinschaft gründen</translation>
    </message>
    <message>
        <source>Creating…</source>
        <translation>Wird gegründet…</translation>
    </message>
    <message>
        <source>Join with this code</source>
        <translation>Mit diesem Code beitreten</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Peers</translation>
    </message>
    <message>
        <source>Nobody here yet. People on the same network appear here by themselves; to reach someone elsewhere, send them your invite.</source>
        <translation>Noch niemand da. Leute im selben Netzwerk erscheinen hier von selbst; um jemanden anderswo zu erreichen, schick ihnen deine Einladung.</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Abgleich</translation>
    </message>
    <message>
        <source>How</source>
        <translation>Wie</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <source>Nearby</source>
        <translation>In der Nähe</translation>
    </message>
    <message>
        <source>Known</source>
        <translation>Bekannt</translation>
    </message>
    <message>
        <source>Peers could not be read: {0}</source>
        <translation>Die Peers konnten nicht gelesen werden: {0}</translation>
    </message>
    <message>
        <source>This code also joins {0}: whoever gets it can read and write in that community.</source>
        <translation>Mit diesem Code tritt man auch {0} bei: Wer ihn bekommt, kann in dieser Gemeinschaft lesen und schreiben.</translation>
    </message>
    <message>
        <source>An invite is ready once you are online</source>
        <translation>Sobald du online bist, ist eine Einladung bereit</translation>
    </message>
    <message>
        <source>(QR code not available)</source>
        <translation>(QR-Code nicht verfügbar)</translation>
    </message>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Folgen</translation>
    </message>
    <message>
        <source>Follow {0}</source>
        <translation>{0} folgen</translation>
    </message>
    <message>
        <source>Invite copied</source>
        <translation>Einladung kopiert</translation>
    </message>
    <message>
        <source>Paste an invite code first</source>
        <translation>Füge zuerst einen Einladungscode ein</translation>
    </message>
    <message>
        <source>Joining…</source>
        <translation>Wird beigetreten…</translation>
    </message>
    <message>
        <source>Could not follow: {0}</source>
        <translation>Folgen hat nicht geklappt: {0}</translation>
    </message>
    <message>
        <source>{0}m</source>
        <translation>{0} Min.</translation>
    </message>
    <message>
        <source>{0}h</source>
        <translation>{0} Std.</translation>
    </message>
    <message>
        <source>{0}d</source>
        <translation>{0} T.</translation>
    </message>
    <message>
        <source>clock ahead</source>
        <translation>Uhr geht vor</translation>
    </message>
    <message>
        <source>Hide post</source>
        <translation>Beitrag ausblenden</translation>
    </message>
    <message>
        <source>Show post</source>
        <translation>Beitrag anzeigen</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Antworten</translation>
    </message>
    <message>
        <source>React…</source>
        <translation>Reagieren…</translation>
    </message>
    <message>
        <source>Image not available</source>
        <translation>Bild nicht verfügbar</translation>
    </message>
    <message>
        <source>More: copy, edit, delete… (menu key)</source>
        <translation>Mehr: kopieren, bearbeiten, löschen… (Menütaste)</translation>
    </message>
    <message>
        <source>Open the post this one answers</source>
        <translation>Den Beitrag öffnen, auf den dieser antwortet</translation>
    </message>
    <message>
        <source>Replying to a post</source>
        <translation>Antwort auf einen Beitrag</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>bearbeitet</translation>
    </message>
    <message>
        <source>Followers only</source>
        <translation>Nur für Follower</translation>
    </message>
    <message>
        <source>Hidden: you muted its author or a #tag in it</source>
        <translation>Ausgeblendet: Du hast die Person oder ein #Tag darin stummgeschaltet</translation>
    </message>
    <message numerus="yes">
        <source>%n reply(ies)</source>
        <translation>
            <numerusform>%n Antwort</numerusform>
            <numerusform>%n Antworten</numerusform>
        </translation>
    </message>
    <message>
        <source>just now</source>
        <translation>gerade eben</translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s) ago</source>
        <translation>
            <numerusform>vor %n Minute</numerusform>
            <numerusform>vor %n Minuten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s) ago</source>
        <translation>
            <numerusform>vor %n Stunde</numerusform>
            <numerusform>vor %n Stunden</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) ago</source>
        <translation>
            <numerusform>vor %n Tag</numerusform>
            <numerusform>vor %n Tagen</numerusform>
        </translation>
    </message>
    <message>
        <source>its author&apos;s clock is ahead</source>
        <translation>die Uhr des Verfassers geht vor</translation>
    </message>
    <message numerus="yes">
        <source>%n reaction(s)</source>
        <translation>
            <numerusform>%n Reaktion</numerusform>
            <numerusform>%n Reaktionen</numerusform>
        </translation>
    </message>
    <message>
        <source>replying to {0}</source>
        <translation>Antwort an {0}</translation>
    </message>
    <message>
        <source>replying to a post</source>
        <translation>Antwort auf einen Beitrag</translation>
    </message>
    <message>
        <source>Posts</source>
        <translation>Beiträge</translation>
    </message>
    <message numerus="yes">
        <source>%n post(s)</source>
        <translation>
            <numerusform>%n Beitrag</numerusform>
            <numerusform>%n Beiträge</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n following</source>
        <translation>
            <numerusform>folgt %n</numerusform>
            <numerusform>folgt %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n follower(s)</source>
        <translation>
            <numerusform>%n Follower</numerusform>
            <numerusform>%n Follower</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n device(s)</source>
        <translation>
            <numerusform>%n Gerät</numerusform>
            <numerusform>%n Geräte</numerusform>
        </translation>
    </message>
    <message>
        <source>Follows you</source>
        <translation>Folgt dir</translation>
    </message>
    <message>
        <source>Account id</source>
        <translation>Konto-ID</translation>
    </message>
    <message>
        <source>Copy the account id</source>
        <translation>Konto-ID kopieren</translation>
    </message>
    <message>
        <source>Copy the account id, to mention or find this person</source>
        <translation>Konto-ID kopieren, um diese Person zu erwähnen oder zu finden</translation>
    </message>
    <message>
        <source>One of this person&apos;s devices published two different versions of its history. p2psocial keeps what it wrote before that and accepts nothing newer from that device; their other devices are not affected.</source>
        <translation>Eines der Geräte dieser Person hat zwei verschiedene Fassungen seiner Geschichte veröffentlicht. p2psocial behält, was es vorher geschrieben hat, und nimmt von diesem Gerät nichts Neueres mehr an; ihre anderen Geräte sind nicht betroffen.</translation>
    </message>
    <message>
        <source>Name: {0}</source>
        <translation>Name: {0}</translation>
    </message>
    <message>
        <source>Account id copied</source>
        <translation>Konto-ID kopiert</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Stummschalten</translation>
    </message>
    <message>
        <source>Hide their posts from your timelines and notifications, on this device only: they are not told</source>
        <translation>Ihre Beiträge aus deinen Zeitleisten und Benachrichtigungen ausblenden, nur auf diesem Gerät: Sie erfahren es nicht</translation>
    </message>
    <message>
        <source>Unmute {0}</source>
        <translation>Stummschaltung von {0} aufheben</translation>
    </message>
    <message>
        <source>Mute {0}</source>
        <translation>{0} stummschalten</translation>
    </message>
    <message>
        <source>Block {0} privately</source>
        <translation>{0} privat blockieren</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>Blockieren</translation>
    </message>
    <message>
        <source>Approve for followers-only posts</source>
        <translation>Für Beiträge nur für Follower freigeben</translation>
    </message>
    <message>
        <source>Edit profile</source>
        <translation>Profil bearbeiten</translation>
    </message>
    <message>
        <source>Write a private message</source>
        <translation>Eine private Nachricht schreiben</translation>
    </message>
    <message>
        <source>No posts yet</source>
        <translation>Noch keine Beiträge</translation>
    </message>
    <message>
        <source>Posts of {0}</source>
        <translation>Beiträge von {0}</translation>
    </message>
    <message>
        <source>Unfollow</source>
        <translation>Entfolgen</translation>
    </message>
    <message>
        <source>Unfollow {0}</source>
        <translation>{0} entfolgen</translation>
    </message>
    <message>
        <source>your public block</source>
        <translation>deine öffentliche Blockierung</translation>
    </message>
    <message>
        <source>your private block</source>
        <translation>deine private Blockierung</translation>
    </message>
    <message>
        <source>on {0}&apos;s list</source>
        <translation>auf der Liste von {0}</translation>
    </message>
    <message>
        <source>kept: you follow them</source>
        <translation>behalten: du folgst diesem Konto</translation>
    </message>
    <message>
        <source>kept: your exception</source>
        <translation>behalten: deine Ausnahme</translation>
    </message>
    <message>
        <source>Blocklists</source>
        <translation>Blocklisten</translation>
    </message>
    <message>
        <source>Adopt the public blocks of people you trust. Refused accounts are not stored or passed on by this computer; nobody is told.</source>
        <translation>Übernimm die öffentlichen Blockierungen von Menschen, denen du vertraust. Abgelehnte Konten werden von diesem Computer weder gespeichert noch weitergegeben; niemand erfährt davon.</translation>
    </message>
    <message>
        <source>Account id (p2ps1…) of a list to subscribe to</source>
        <translation>Konto-ID (p2ps1…) einer Liste, die du abonnieren willst</translation>
    </message>
    <message>
        <source>Account whose blocklist to subscribe to</source>
        <translation>Konto, dessen Blockliste du abonnieren willst</translation>
    </message>
    <message>
        <source>Subscribe</source>
        <translation>Abonnieren</translation>
    </message>
    <message>
        <source>Subscribed to</source>
        <translation>Abonniert</translation>
    </message>
    <message>
        <source>No subscriptions</source>
        <translation>Keine Abonnements</translation>
    </message>
    <message>
        <source>Unsubscribe</source>
        <translation>Abbestellen</translation>
    </message>
    <message>
        <source>Refused ({0})</source>
        <translation>Abgelehnt ({0})</translation>
    </message>
    <message>
        <source>Nobody refused</source>
        <translation>Niemand abgelehnt</translation>
    </message>
    <message>
        <source>Unblock</source>
        <translation>Blockierung aufheben</translation>
    </message>
    <message>
        <source>Make an exception</source>
        <translation>Ausnahme machen</translation>
    </message>
    <message>
        <source>… and {0} more (&apos;p2psocial blocklist show&apos; lists them all)</source>
        <translation>… und {0} weitere (&apos;p2psocial blocklist show&apos; zeigt alle)</translation>
    </message>
    <message>
        <source>Kept ({0})</source>
        <translation>Behalten ({0})</translation>
    </message>
    <message>
        <source>Remove exception</source>
        <translation>Ausnahme entfernen</translation>
    </message>
    <message>
        <source>Unblock {0}</source>
        <translation>Blockierung von {0} aufheben</translation>
    </message>
    <message>
        <source>Block {0}</source>
        <translation>{0} blockieren</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Freigabe entziehen</translation>
    </message>
    <message>
        <source>Revoke {0}&apos;s access to your followers-only posts</source>
        <translation>{0} die Freigabe für deine Beiträge nur für Follower entziehen</translation>
    </message>
    <message>
        <source>Approve {0} for your followers-only posts</source>
        <translation>{0} für deine Beiträge nur für Follower freigeben</translation>
    </message>
    <message>
        <source>{0} reads your followers-only posts; revoking stops that from now on</source>
        <translation>{0} liest deine Beiträge nur für Follower; wenn du die Freigabe entziehst, ab jetzt nicht mehr</translation>
    </message>
    <message>
        <source>Let {0} read the followers-only posts you write from now on</source>
        <translation>{0} die Beiträge nur für Follower lesen lassen, die du ab jetzt schreibst</translation>
    </message>
    <message>
        <source>Post actions</source>
        <translation>Aktionen zum Beitrag</translation>
    </message>
    <message>
        <source>&amp;Reply</source>
        <translation>&amp;Antworten</translation>
    </message>
    <message>
        <source>&amp;Open the conversation</source>
        <translation>&amp;Unterhaltung öffnen</translation>
    </message>
    <message>
        <source>Re&amp;act</source>
        <translation>&amp;Reagieren</translation>
    </message>
    <message>
        <source>&amp;Copy text</source>
        <translation>Text &amp;kopieren</translation>
    </message>
    <message>
        <source>Copy &amp;link</source>
        <translation>Li&amp;nk kopieren</translation>
    </message>
    <message>
        <source>&amp;Select text…</source>
        <translation>Text aus&amp;wählen…</translation>
    </message>
    <message>
        <source>Mute this &amp;thread</source>
        <translation>Diese &amp;Unterhaltung stummschalten</translation>
    </message>
    <message>
        <source>Thread muted: its replies and notifications are hidden on this device only</source>
        <translation>Unterhaltung stummgeschaltet: Ihre Antworten und Benachrichtigungen sind nur auf diesem Gerät ausgeblendet</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten…</translation>
    </message>
    <message>
        <source>&amp;Edit… (not for followers-only posts)</source>
        <translation>&amp;Bearbeiten… (nicht bei Beiträgen nur für Follower)</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Löschen…</translation>
    </message>
    <message>
        <source>&amp;Mute {0}</source>
        <translation>{0} &amp;stummschalten</translation>
    </message>
    <message>
        <source>Muted {0}: hidden on this device only, they are not told</source>
        <translation>{0} stummgeschaltet: nur auf diesem Gerät ausgeblendet, ohne Benachrichtigung</translation>
    </message>
    <message>
        <source>&amp;Block {0}…</source>
        <translation>{0} &amp;blockieren…</translation>
    </message>
    <message>
        <source>Block {0} &amp;privately…</source>
        <translation>{0} &amp;privat blockieren…</translation>
    </message>
    <message>
        <source>Text copied</source>
        <translation>Text kopiert</translation>
    </message>
    <message>
        <source>Link copied: paste it into Search to open the post</source>
        <translation>Link kopiert: in die Suche einfügen, um den Beitrag zu öffnen</translation>
    </message>
    <message>
        <source>Delete this post?</source>
        <translation>Diesen Beitrag löschen?</translation>
    </message>
    <message>
        <source>Delete this post? Its text and pictures are removed from this home and from every home the deletion reaches; a copy someone already saw may stay with them.</source>
        <translation>Diesen Beitrag löschen? Text und Bilder werden von diesem Computer entfernt und von jedem, den die Löschung erreicht; eine Kopie, die jemand schon gesehen hat, kann bei ihm bleiben.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Block {0}?</source>
        <translation>{0} blockieren?</translation>
    </message>
    <message>
        <source>Block {0} privately? Nothing is published: this home stops keeping and carrying their entries, and what it holds of them is removed. You can unblock them later.</source>
        <translation>{0} privat blockieren? Nichts wird veröffentlicht: Dieses Zuhause speichert und trägt ihre Einträge nicht mehr, und was es davon hält, wird entfernt. Du kannst die Blockierung später aufheben.</translation>
    </message>
    <message>
        <source>Block {0}? You will no longer see their posts, replies or notifications, and this home stops carrying their entries. You can unblock them later.</source>
        <translation>{0} blockieren? Du siehst dann keine Beiträge, Antworten oder Mitteilungen dieser Person mehr, und dieser Computer gibt ihre Einträge nicht mehr weiter. Du kannst die Blockierung später wieder aufheben.</translation>
    </message>
    <message>
        <source>Block privately</source>
        <translation>Privat blockieren</translation>
    </message>
    <message>
        <source>Post by {0}</source>
        <translation>Beitrag von {0}</translation>
    </message>
    <message>
        <source>The post&apos;s text</source>
        <translation>Der Text des Beitrags</translation>
    </message>
    <message>
        <source>Edit post</source>
        <translation>Beitrag bearbeiten</translation>
    </message>
    <message>
        <source>Everyone who has this post will see it edited, marked “edited”.</source>
        <translation>Alle, die diesen Beitrag haben, sehen ihn bearbeitet, markiert als „bearbeitet“.</translation>
    </message>
    <message>
        <source>Text of the post</source>
        <translation>Text des Beitrags</translation>
    </message>
    <message>
        <source>Revoke {0}?</source>
        <translation>{0} die Freigabe entziehen?</translation>
    </message>
    <message>
        <source>Revoke {0}? They will not be able to read the followers-only posts you write from now on. What they have read stays with them.</source>
        <translation>{0} die Freigabe entziehen? Die Beiträge nur für Follower, die du ab jetzt schreibst, kann diese Person nicht mehr lesen. Was sie schon gelesen hat, bleibt ihr.</translation>
    </message>
    <message>
        <source>People</source>
        <translation>Personen</translation>
    </message>
    <message>
        <source>Open the profile of {0}</source>
        <translation>Profil von {0} öffnen</translation>
    </message>
    <message>
        <source>Search posts, #tags and people</source>
        <translation>Beiträge, #Tags und Personen suchen</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Suche</translation>
    </message>
    <message>
        <source>Search now</source>
        <translation>Jetzt suchen</translation>
    </message>
    <message>
        <source>Posts found</source>
        <translation>Gefundene Beiträge</translation>
    </message>
    <message>
        <source>Search posts by words or #tags, and people by name.</source>
        <translation>Such Beiträge nach Wörtern oder #Tags und Personen nach Namen.</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Wird gesucht…</translation>
    </message>
    <message>
        <source>No posts match “{0}”.</source>
        <translation>Keine Beiträge passen zu „{0}“.</translation>
    </message>
    <message>
        <source>No results for “{0}”.</source>
        <translation>Keine Ergebnisse für „{0}“.</translation>
    </message>
    <message>
        <source>{0} is not an image this app can read</source>
        <translation>{0} ist kein Bild, das diese App lesen kann</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <source>About you</source>
        <translation>Über dich</translation>
    </message>
    <message>
        <source>Choose a picture…</source>
        <translation>Bild auswählen…</translation>
    </message>
    <message>
        <source>Picture</source>
        <translation>Bild</translation>
    </message>
    <message>
        <source>Save profile</source>
        <translation>Profil speichern</translation>
    </message>
    <message>
        <source>Choose a picture</source>
        <translation>Bild auswählen</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.webp *.gif *.bmp)</translation>
    </message>
    <message>
        <source>Reading the picture…</source>
        <translation>Das Bild wird gelesen…</translation>
    </message>
    <message>
        <source>Save the profile to use this picture</source>
        <translation>Speichere das Profil, um dieses Bild zu verwenden</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
    <message>
        <source>Profile saved; your followers get it at their next sync</source>
        <translation>Profil gespeichert; deine Follower bekommen es beim nächsten Abgleich</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>Sicherheit</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>Aktuelle Passphrase</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>Neue Passphrase wiederholen</translation>
    </message>
    <message>
        <source>Repeat the new one</source>
        <translation>Die neue noch einmal</translation>
    </message>
    <message>
        <source>Leave both new fields empty to remove the passphrase: anyone with this computer could then act as you.</source>
        <translation>Lass beide neuen Felder leer, um die Passphrase zu entfernen: Dann könnte jeder mit Zugang zu diesem Computer als du auftreten.</translation>
    </message>
    <message>
        <source>Change passphrase</source>
        <translation>Passphrase ändern</translation>
    </message>
    <message>
        <source>Your recovery phrase brings your account back on a new computer. Show it only where nobody can see your screen.</source>
        <translation>Mit deinen Wiederherstellungswörtern bekommst du dein Konto auf einem neuen Computer zurück. Zeig sie nur an, wo niemand auf deinen Bildschirm sehen kann.</translation>
    </message>
    <message>
        <source>This device does not keep your account key, so it cannot show your recovery phrase: it was shown when you made the account. You need it to revoke a lost device.</source>
        <translation>Dieses Gerät bewahrt den Schlüssel deines Kontos nicht auf und kann deine Wiederherstellungsphrase deshalb nicht zeigen: Sie wurde angezeigt, als du das Konto angelegt hast. Du brauchst sie, um ein verlorenes Gerät zu sperren.</translation>
    </message>
    <message>
        <source>Passphrase to show the recovery phrase</source>
        <translation>Passphrase, um die Wiederherstellungswörter anzuzeigen</translation>
    </message>
    <message>
        <source>Your passphrase</source>
        <translation>Deine Passphrase</translation>
    </message>
    <message>
        <source>Show recovery phrase</source>
        <translation>Wiederherstellungswörter anzeigen</translation>
    </message>
    <message>
        <source>a post by {0}</source>
        <translation>einen Beitrag von {0}</translation>
    </message>
    <message>
        <source>a post</source>
        <translation>einen Beitrag</translation>
    </message>
    <message>
        <source>the account {0}</source>
        <translation>das Konto {0}</translation>
    </message>
    <message>
        <source>{0} reported {1}: {2}</source>
        <translation>{0} hat {1} gemeldet: {2}</translation>
    </message>
    <message>
        <source>Post: {0}</source>
        <translation>Beitrag: {0}</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Meldungen</translation>
    </message>
    <message>
        <source>Hide the post</source>
        <translation>Beitrag ausblenden</translation>
    </message>
    <message>
        <source>Remove the account</source>
        <translation>Konto entfernen</translation>
    </message>
    <message>
        <source>Moderators</source>
        <translation>Moderatoren</translation>
    </message>
    <message>
        <source>Member to make a moderator</source>
        <translation>Mitglied, das Moderator werden soll</translation>
    </message>
    <message>
        <source>Make moderator</source>
        <translation>Zum Moderator machen</translation>
    </message>
    <message>
        <source>Moderator to dismiss</source>
        <translation>Moderator, der abberufen werden soll</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Abberufen</translation>
    </message>
    <message>
        <source>The moderators removed you from this community: its members no longer carry what you write here.</source>
        <translation>Die Moderatoren haben dich aus dieser Gemeinschaft entfernt: Ihre Mitglieder tragen nicht mehr weiter, was du hier schreibst.</translation>
    </message>
    <message>
        <source>You moderate this community.</source>
        <translation>Du moderierst diese Gemeinschaft.</translation>
    </message>
    <message>
        <source>Reports ({0})</source>
        <translation>Meldungen ({0})</translation>
    </message>
    <message>
        <source>Report to the moderators</source>
        <translation>An die Moderatoren melden</translation>
    </message>
    <message>
        <source>Reported to {0} moderator(s): only they can read it.</source>
        <translation>An {0} Moderator(en) gemeldet: Nur sie können es lesen.</translation>
    </message>
    <message>
        <source>Why? Only the moderators read it.</source>
        <translation>Warum? Nur die Moderatoren lesen es.</translation>
    </message>
    <message>
        <source>Report…</source>
        <translation>Melden…</translation>
    </message>
    <message>
        <source>Report {0}…</source>
        <translation>{0} melden…</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Ausblenden</translation>
    </message>
    <message>
        <source>Remove {0} from the community</source>
        <translation>{0} aus der Gemeinschaft entfernen</translation>
    </message>
    <message>
        <source>None set</source>
        <translation>Keine festgelegt</translation>
    </message>
    <message>
        <source>The two new passphrases are not the same</source>
        <translation>Die beiden neuen Passphrasen sind nicht gleich</translation>
    </message>
    <message>
        <source>Type the new passphrase twice</source>
        <translation>Gib die neue Passphrase zweimal ein</translation>
    </message>
    <message>
        <source>Sealing your keys…</source>
        <translation>Deine Schlüssel werden versiegelt…</translation>
    </message>
    <message>
        <source>Passphrase removed</source>
        <translation>Passphrase entfernt</translation>
    </message>
    <message>
        <source>Passphrase changed</source>
        <translation>Passphrase geändert</translation>
    </message>
    <message>
        <source>That is not your current passphrase</source>
        <translation>Das ist nicht deine aktuelle Passphrase</translation>
    </message>
    <message>
        <source>Opening your keys…</source>
        <translation>Deine Schlüssel werden geöffnet…</translation>
    </message>
    <message>
        <source>That is not your passphrase</source>
        <translation>Das ist nicht deine Passphrase</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Netzwerk</translation>
    </message>
    <message>
        <source>Replication hops</source>
        <translation>Weitergabe-Schritte</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Automatisch</translation>
    </message>
    <message>
        <source>Listen port, 0 for automatic</source>
        <translation>Port zum Lauschen, 0 für automatisch</translation>
    </message>
    <message>
        <source>Find people on this local network, and be found</source>
        <translation>Leute in diesem lokalen Netzwerk finden und gefunden werden</translation>
    </message>
    <message>
        <source>Relay for friends who cannot be reached directly</source>
        <translation>Vermitteln für Freunde, die nicht direkt erreichbar sind</translation>
    </message>
    <message>
        <source>Ask the router to open the port for friends outside (UPnP, NAT-PMP)</source>
        <translation>Den Router bitten, den Port für Freunde draußen zu öffnen (UPnP, NAT-PMP)</translation>
    </message>
    <message>
        <source>Carry posts of people up to this many follows away</source>
        <translation>Beiträge von Leuten weitertragen, die bis zu so viele Folgen-Schritte entfernt sind</translation>
    </message>
    <message>
        <source>Listen port (0 = automatic)</source>
        <translation>Port zum Lauschen (0 = automatisch)</translation>
    </message>
    <message>
        <source>Applying restarts the network: connections drop for a moment.</source>
        <translation>Übernehmen startet das Netzwerk neu: Verbindungen brechen kurz ab.</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>Apply the network settings</source>
        <translation>Netzwerkeinstellungen übernehmen</translation>
    </message>
    <message>
        <source>Nothing changed</source>
        <translation>Nichts geändert</translation>
    </message>
    <message>
        <source>Restarting the network…</source>
        <translation>Das Netzwerk startet neu…</translation>
    </message>
    <message>
        <source>Applied: the network is online again</source>
        <translation>Übernommen: Das Netzwerk ist wieder online</translation>
    </message>
    <message>
        <source>The network is offline</source>
        <translation>Das Netzwerk ist offline</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Aussehen</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Design</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>Wie das System</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Systemsprache</translation>
    </message>
    <message>
        <source>Some text changes language only after a restart.</source>
        <translation>Manche Texte wechseln die Sprache erst nach einem Neustart.</translation>
    </message>
    <message>
        <source>A backup holds your keys (sealed with your passphrase, if you set one), your posts and everything you carry. Restore it from the first screen of a new installation, or import it here to bring back what another computer of yours had.</source>
        <translation>Eine Sicherung enthält deine Schlüssel (mit deiner Passphrase versiegelt, falls du eine gesetzt hast), deine Beiträge und alles, was du mitträgst. Stelle sie auf dem ersten Bildschirm einer neuen Installation wieder her oder importiere sie hier, um zurückzuholen, was ein anderer Computer von dir hatte.</translation>
    </message>
    <message>
        <source>Import backup…</source>
        <translation>Sicherung importieren…</translation>
    </message>
    <message>
        <source>Saved {0} and {1} ({2}) to {3}</source>
        <translation>{0} und {1} ({2}) in {3} gespeichert</translation>
    </message>
    <message numerus="yes">
        <source>%n entry(ies)</source>
        <translation>
            <numerusform>%n Eintrag</numerusform>
            <numerusform>%n Einträge</numerusform>
        </translation>
    </message>
    <message>
        <source>Import backup</source>
        <translation>Sicherung importieren</translation>
    </message>
    <message>
        <source>Reading the backup…</source>
        <translation>Sicherung wird gelesen…</translation>
    </message>
    <message>
        <source>Imported: {0} new</source>
        <translation>Importiert: {0} neu</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation>
            <numerusform>%n Bild</numerusform>
            <numerusform>%n Bilder</numerusform>
        </translation>
    </message>
    <message>
        <source>Desktop</source>
        <translation>Desktop</translation>
    </message>
    <message>
        <source>Keep running in the system tray when the window closes</source>
        <translation>Im Infobereich weiterlaufen, wenn das Fenster geschlossen wird</translation>
    </message>
    <message>
        <source>Your desktop has no system tray</source>
        <translation>Dein Desktop hat keinen Infobereich</translation>
    </message>
    <message>
        <source>Show desktop notifications for mentions, replies and reactions</source>
        <translation>Desktop-Benachrichtigungen für Erwähnungen, Antworten und Reaktionen anzeigen</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>Sicherung</translation>
    </message>
    <message>
        <source>Export backup…</source>
        <translation>Sicherung exportieren…</translation>
    </message>
    <message>
        <source>Export backup</source>
        <translation>Sicherung exportieren</translation>
    </message>
    <message>
        <source>Writing the backup…</source>
        <translation>Die Sicherung wird geschrieben…</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>Unterhaltung</translation>
    </message>
    <message>
        <source>Loading the conversation…</source>
        <translation>Die Unterhaltung wird geladen…</translation>
    </message>
    <message>
        <source>Open p2psocial</source>
        <translation>p2psocial öffnen</translation>
    </message>
    <message>
        <source>New post</source>
        <translation>Neuer Beitrag</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>p2psocial: {0} unread</source>
        <translation>p2psocial: {0} ungelesen</translation>
    </message>
    <message>
        <source>{0} mentioned you: {1}</source>
        <translation>{0} hat dich erwähnt: {1}</translation>
    </message>
    <message>
        <source>{0} replied: {1}</source>
        <translation>{0} hat geantwortet: {1}</translation>
    </message>
    <message>
        <source>{0} did something that concerns you</source>
        <translation>{0} hat etwas getan, das dich betrifft</translation>
    </message>
    <message>
        <source>and {0} more</source>
        <translation>und {0} weitere</translation>
    </message>
    <message numerus="yes">
        <source>%n new notifications</source>
        <translation>
            <numerusform>%n neue Mitteilung</numerusform>
            <numerusform>%n neue Mitteilungen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n new messages</source>
        <translation>
            <numerusform>%n neue Nachricht</numerusform>
            <numerusform>%n neue Nachrichten</numerusform>
        </translation>
    </message>
    <message>
        <source>Welcome back</source>
        <comment>Unlock</comment>
        <translation>Willkommen zurück</translation>
    </message>
    <message>
        <source>Enter your passphrase to open your home.</source>
        <comment>Unlock</comment>
        <translation>Gib deine Passphrase ein, um deine Daten zu öffnen.</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <comment>Unlock</comment>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Open</source>
        <comment>Unlock</comment>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Type your passphrase first</source>
        <comment>Unlock</comment>
        <translation>Gib zuerst deine Passphrase ein</translation>
    </message>
    <message>
        <source>Opening…</source>
        <comment>Unlock</comment>
        <translation>Wird geöffnet…</translation>
    </message>
    <message>
        <source>QR code</source>
        <translation>QR-Code</translation>
    </message>
    <message>
        <source>A code to scan with a phone or a webcam</source>
        <translation>Ein Code zum Scannen mit einem Telefon oder einer Webcam</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Du</translation>
    </message>
    <message>
        <source>{0}, {1}: {2}</source>
        <translation>{0}, {1}: {2}</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Zugestellt</translation>
    </message>
    <message>
        <source>Delivered to {0} of {1}</source>
        <translation>Zugestellt an {0} von {1}</translation>
    </message>
    <message>
        <source>Carried by a friend</source>
        <translation>Bei einem Freund unterwegs</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>A device of the person it is for told this device that it holds this message. That does not mean it was read.</source>
        <translation>Ein Gerät der Person, für die sie ist, hat diesem Gerät gesagt, dass es diese Nachricht hat. Das heißt nicht, dass sie gelesen wurde.</translation>
    </message>
    <message>
        <source>A friend&apos;s device that carries your messages said it holds this one. It passes it on when it meets the person it is for; it cannot read it.</source>
        <translation>Das Gerät eines Freundes, das deine Nachrichten weiterträgt, hat gesagt, dass es diese hat. Es gibt sie weiter, wenn es die Person trifft, für die sie ist; lesen kann es sie nicht.</translation>
    </message>
    <message>
        <source>Ready to travel from this device. Nobody else is known to have it yet: it leaves when you, or a friend who carries your messages, meet the person it is for.</source>
        <translation>Bereit, von diesem Gerät aus zu reisen. Soweit bekannt, hat sie noch niemand sonst: Sie geht los, wenn du oder ein Freund, der deine Nachrichten weiterträgt, die Person trifft, für die sie ist.</translation>
    </message>
    <message>
        <source>Reactions: {0}</source>
        <translation>Reaktionen: {0}</translation>
    </message>
    <message>
        <source>{0} {1} (yours among them)</source>
        <translation>{0} {1} (deine darunter)</translation>
    </message>
    <message>
        <source>Take back your {0}</source>
        <translation>Dein {0} zurücknehmen</translation>
    </message>
    <message>
        <source>React with {0} too</source>
        <translation>Auch mit {0} reagieren</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>Message actions</source>
        <translation>Aktionen zur Nachricht</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>Text kopieren</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
    <message>
        <source>Write a message</source>
        <translation>Schreib eine Nachricht</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line</source>
        <translation>Enter sendet, Umschalt+Enter beginnt eine neue Zeile</translation>
    </message>
    <message>
        <source>Send the message</source>
        <translation>Nachricht senden</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>Senden (Enter)</translation>
    </message>
    <message>
        <source>Messages with {0}</source>
        <translation>Nachrichten mit {0}</translation>
    </message>
    <message>
        <source>Message to {0}</source>
        <translation>Nachricht an {0}</translation>
    </message>
    <message>
        <source>You left this community. Join it again from People while a member is on your local network.</source>
        <translation>Du hast diese Gemeinschaft verlassen. Tritt ihr unter Personen wieder bei, solange ein Mitglied in deinem lokalen Netzwerk ist.</translation>
    </message>
    <message>
        <source>You are no longer a member of this group.</source>
        <translation>Du bist nicht mehr Mitglied dieser Gruppe.</translation>
    </message>
    <message>
        <source>Community · open to everyone on your local network</source>
        <translation>Gemeinschaft · offen für alle in deinem lokalen Netzwerk</translation>
    </message>
    <message>
        <source>Add member</source>
        <translation>Mitglied hinzufügen</translation>
    </message>
    <message>
        <source>Add a member</source>
        <translation>Ein Mitglied hinzufügen</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>Verlassen</translation>
    </message>
    <message>
        <source>Leave the group</source>
        <translation>Gruppe verlassen</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Mitglieder</translation>
    </message>
    <message>
        <source>Remove from the group</source>
        <translation>Aus der Gruppe entfernen</translation>
    </message>
    <message>
        <source>Person to add</source>
        <translation>Hinzuzufügende Person</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation>
            <numerusform>%n Mitglied</numerusform>
            <numerusform>%n Mitglieder</numerusform>
        </translation>
    </message>
    <message>
        <source>Show the members</source>
        <translation>Mitglieder zeigen</translation>
    </message>
    <message>
        <source>Leave the community</source>
        <translation>Gemeinschaft verlassen</translation>
    </message>
    <message>
        <source>{0} (you)</source>
        <translation>{0} (du)</translation>
    </message>
    <message>
        <source>{0}, started it</source>
        <translation>{0}, hat sie gegründet</translation>
    </message>
    <message>
        <source>{0}, admin</source>
        <translation>{0}, Admin</translation>
    </message>
    <message>
        <source>Everyone you follow is in this group already.</source>
        <translation>Alle, denen du folgst, sind schon in dieser Gruppe.</translation>
    </message>
    <message>
        <source>Remove {0} from {1}? They will not read what is written after this.</source>
        <translation>{0} aus {1} entfernen? Was danach geschrieben wird, kann diese Person nicht mehr lesen.</translation>
    </message>
    <message>
        <source>Leave {0}? You will not read what is written after this, unless you join again.</source>
        <translation>{0} verlassen? Was danach geschrieben wird, liest du nicht, außer du trittst wieder bei.</translation>
    </message>
    <message>
        <source>Leave {0}? You will not read what is written after this, unless you are added again.</source>
        <translation>{0} verlassen? Was danach geschrieben wird, kannst du nicht mehr lesen, außer du wirst wieder hinzugefügt.</translation>
    </message>
    <message>
        <source>Only you</source>
        <translation>Nur du</translation>
    </message>
    <message>
        <source>{0} and {1}</source>
        <translation>{0} und {1}</translation>
    </message>
    <message>
        <source>You: {0}</source>
        <translation>Du: {0}</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}: {1}</translation>
    </message>
    <message numerus="yes">
        <source>%n unread message(s)</source>
        <translation>
            <numerusform>%n ungelesene Nachricht</numerusform>
            <numerusform>%n ungelesene Nachrichten</numerusform>
        </translation>
    </message>
    <message>
        <source>Group {0}</source>
        <translation>Gruppe {0}</translation>
    </message>
    <message>
        <source>Group: {0}</source>
        <translation>Gruppe: {0}</translation>
    </message>
    <message>
        <source>Community: {0}</source>
        <translation>Gemeinschaft: {0}</translation>
    </message>
    <message>
        <source>Attachment</source>
        <translation>Anhang</translation>
    </message>
    <message>
        <source>Community {0}</source>
        <translation>Gemeinschaft {0}</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Unterhaltungen</translation>
    </message>
    <message>
        <source>The message was sent, but its conversation was not found.</source>
        <translation>Die Nachricht ist gesendet, aber ihre Unterhaltung wurde nicht gefunden.</translation>
    </message>
    <message>
        <source>New message</source>
        <translation>Neue Nachricht</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Name der Gruppe</translation>
    </message>
    <message>
        <source>Find people you follow</source>
        <translation>Leute finden, denen du folgst</translation>
    </message>
    <message>
        <source>People you follow; check those to write to</source>
        <translation>Leute, denen du folgst; hak an, wem du schreiben willst</translation>
    </message>
    <message>
        <source>You follow nobody yet. Follow someone (People) to write to them.</source>
        <translation>Du folgst noch niemandem. Folge jemandem (Personen), um ihm oder ihr zu schreiben.</translation>
    </message>
    <message>
        <source>New group</source>
        <translation>Neue Gruppe</translation>
    </message>
    <message>
        <source>A first message (optional)</source>
        <translation>Eine erste Nachricht (freiwillig)</translation>
    </message>
    <message>
        <source>Create the group</source>
        <translation>Gruppe anlegen</translation>
    </message>
    <message>
        <source>A group has at most {0} other members.</source>
        <translation>Eine Gruppe hat höchstens {0} weitere Mitglieder.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>A message goes to at most {0} people.</source>
        <translation>Eine Nachricht geht an höchstens {0} Leute.</translation>
    </message>
    <message numerus="yes">
        <source>%n person(s) chosen</source>
        <translation>
            <numerusform>%n Person gewählt</numerusform>
            <numerusform>%n Personen gewählt</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose the members</source>
        <translation>Wähl die Mitglieder</translation>
    </message>
    <message>
        <source>Choose who to write to</source>
        <translation>Wähl, wem du schreibst</translation>
    </message>
    <message>
        <source>Choose who to write to.</source>
        <translation>Wähl, wem du schreibst.</translation>
    </message>
    <message>
        <source>Create group</source>
        <translation>Gruppe anlegen</translation>
    </message>
    <message>
        <source>No messages yet. Write to someone you follow — only the people you write to can read it.</source>
        <translation>Noch keine Nachrichten. Schreib jemandem, dem du folgst – nur die Leute, denen du schreibst, können es lesen.</translation>
    </message>
    <message>
        <source>A community open to everyone on your local network</source>
        <translation>Eine Gemeinschaft, offen für alle in deinem lokalen Netzwerk</translation>
    </message>
    <message>
        <source>Choose a conversation, or start a new one.</source>
        <translation>Wähl eine Unterhaltung oder beginne eine neue.</translation>
    </message>
    <message>
        <source>Private messages, group posts and followers-only posts are encrypted: only their readers can open them, not the people whose computers carry them.</source>
        <translation>Private Nachrichten, Gruppenbeiträge und Beiträge nur für Follower sind verschlüsselt: Nur ihre Leser können sie öffnen, nicht die Menschen, deren Computer sie weitertragen.</translation>
    </message>
    <message>
        <source>Carriers cannot tell who a message is for, only roughly how many can read it.</source>
        <translation>Wer eine Nachricht weiterträgt, sieht nicht, für wen sie ist, nur ungefähr, wie viele sie lesen können.</translation>
    </message>
    <message>
        <source>They can see that you wrote something, when, and about how long it is. Group posts show which group they belong to.</source>
        <translation>Man sieht, dass du etwas geschrieben hast, wann und ungefähr wie lang es ist. Gruppenbeiträge zeigen, zu welcher Gruppe sie gehören.</translation>
    </message>
    <message>
        <source>To receive your messages, people must follow you, and follows are public.</source>
        <translation>Um deine Nachrichten zu bekommen, müssen andere dir folgen, und wer wem folgt, ist öffentlich.</translation>
    </message>
    <message>
        <source>There is no forward secrecy: anyone who gets your recovery phrase, or a device&apos;s key file and its passphrase, can read all your past messages.</source>
        <translation>Es gibt keine Vorwärtsgeheimhaltung: Wer deine Wiederherstellungswörter bekommt oder die Schlüsseldatei eines Geräts samt Passphrase, kann all deine früheren Nachrichten lesen.</translation>
    </message>
    <message>
        <source>Removing someone from a group protects only what is written afterwards.</source>
        <translation>Wenn du jemanden aus einer Gruppe entfernst, schützt das nur, was danach geschrieben wird.</translation>
    </message>
    <message>
        <source>Messages you can read are stored unencrypted on this computer: protect its disk.</source>
        <translation>Nachrichten, die du lesen kannst, liegen unverschlüsselt auf diesem Computer: Schütze seine Festplatte.</translation>
    </message>
    <message>
        <source>About privacy</source>
        <translation>Über Privatsphäre</translation>
    </message>
    <message>
        <source>What stays private</source>
        <translation>Was privat bleibt</translation>
    </message>
    <message>
        <source>{0} bytes</source>
        <translation>{0} Bytes</translation>
    </message>
    <message>
        <source>{0} KB</source>
        <translation>{0} KB</translation>
    </message>
    <message>
        <source>{0} MB</source>
        <translation>{0} MB</translation>
    </message>
    <message>
        <source>A picture without a description</source>
        <translation>Ein Bild ohne Beschreibung</translation>
    </message>
    <message>
        <source>File {0}, {1}</source>
        <translation>Datei {0}, {1}</translation>
    </message>
    <message>
        <source>without a name</source>
        <translation>ohne Namen</translation>
    </message>
    <message>
        <source>Picture not available</source>
        <translation>Bild nicht verfügbar</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>file</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Open the picture</source>
        <translation>Bild öffnen</translation>
    </message>
    <message>
        <source>Save {0}…</source>
        <translation>{0} speichern…</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Speichern unter…</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>{0} gespeichert</translation>
    </message>
    <message>
        <source>That file is not available: nobody who has it is connected, or it cannot be opened.</source>
        <translation>Diese Datei ist nicht verfügbar: Niemand, der sie hat, ist verbunden, oder sie lässt sich nicht öffnen.</translation>
    </message>
    <message>
        <source>{0} could not be read: {1}</source>
        <translation>{0} konnte nicht gelesen werden: {1}</translation>
    </message>
    <message>
        <source>Picture…</source>
        <translation>Bild…</translation>
    </message>
    <message>
        <source>Attach pictures</source>
        <translation>Bilder anhängen</translation>
    </message>
    <message>
        <source>Attach pictures: only the readers of this conversation can see them</source>
        <translation>Bilder anhängen: Nur die Leser dieser Unterhaltung können sie sehen</translation>
    </message>
    <message>
        <source>File…</source>
        <translation>Datei…</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>Dateien anhängen</translation>
    </message>
    <message>
        <source>Attach files of any type, up to {0} each</source>
        <translation>Dateien beliebigen Typs anhängen, bis zu {0} pro Datei</translation>
    </message>
    <message>
        <source>A message has at most {0} pictures and files.</source>
        <translation>Eine Nachricht hat höchstens {0} Bilder und Dateien.</translation>
    </message>
    <message>
        <source>{0} could not be read</source>
        <translation>{0} konnte nicht gelesen werden</translation>
    </message>
    <message>
        <source>{0} is not a JPEG, PNG, WebP or GIF picture: attach it as a file</source>
        <translation>{0} ist kein JPEG-, PNG-, WebP- oder GIF-Bild: Häng es als Datei an</translation>
    </message>
    <message>
        <source>Readable copy</source>
        <translation>Lesbare Kopie</translation>
    </message>
    <message>
        <source>Your posts and replies, reactions, private messages, profile and pictures, in a new folder: a SQLite database, JSON files and images that any program opens, without p2psocial. It holds no keys: it is for reading, not for restoring.</source>
        <translation>Deine Beiträge und Antworten, Reaktionen, privaten Nachrichten, dein Profil und deine Bilder in einem neuen Ordner: eine SQLite-Datenbank, JSON-Dateien und Bilder, die jedes Programm öffnet, ohne p2psocial. Sie enthält keine Schlüssel: Sie ist zum Lesen da, nicht zum Wiederherstellen.</translation>
    </message>
    <message>
        <source>Include the posts of the people I follow</source>
        <translation>Auch die Beiträge der Leute, denen ich folge</translation>
    </message>
    <message>
        <source>Write a readable copy…</source>
        <translation>Lesbare Kopie schreiben…</translation>
    </message>
    <message>
        <source>New folder for the readable copy</source>
        <translation>Neuer Ordner für die lesbare Kopie</translation>
    </message>
    <message>
        <source>Writing the readable copy…</source>
        <translation>Die lesbare Kopie wird geschrieben…</translation>
    </message>
    <message>
        <source>Wrote {0}, {1} and {2} ({3}) to {4}</source>
        <translation>{0}, {1} und {2} ({3}) nach {4} geschrieben</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s)</source>
        <translation>
            <numerusform>%n Nachricht</numerusform>
            <numerusform>%n Nachrichten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n picture(s)</source>
        <translation>
            <numerusform>%n Bild</numerusform>
            <numerusform>%n Bilder</numerusform>
        </translation>
    </message>
    <message>
        <source>A thread</source>
        <translation>Eine Unterhaltung</translation>
    </message>
    <message>
        <source>Thread: {0}</source>
        <translation>Unterhaltung: {0}</translation>
    </message>
    <message>
        <source>“{0}” — hidden</source>
        <translation>„{0}“ – ausgeblendet</translation>
    </message>
    <message>
        <source>“{0}” — collapsed behind a warning</source>
        <translation>„{0}“ – hinter einer Warnung eingeklappt</translation>
    </message>
    <message>
        <source>Muted and filtered</source>
        <translation>Stummgeschaltet und gefiltert</translation>
    </message>
    <message>
        <source>Muted accounts, #tags and threads, and posts holding a filtered word, leave your timelines, search and notifications. This stays on this device: nobody is told, and this home still carries their posts for others. Mute an account or a thread from a post&apos;s “…” menu.</source>
        <translation>Stummgeschaltete Konten, #Tags und Unterhaltungen sowie Beiträge mit einem gefilterten Wort verschwinden aus deinen Zeitleisten, der Suche und den Benachrichtigungen. Das bleibt auf diesem Gerät: Niemand erfährt es, und diese Daten tragen ihre Beiträge weiter für andere. Schalte ein Konto oder eine Unterhaltung über das „…“-Menü eines Beitrags stumm.</translation>
    </message>
    <message>
        <source>Nothing is muted or filtered.</source>
        <translation>Nichts ist stummgeschaltet oder gefiltert.</translation>
    </message>
    <message>
        <source>A word or phrase, or a #tag to mute</source>
        <translation>Ein Wort oder eine Wendung, oder ein #Tag zum Stummschalten</translation>
    </message>
    <message>
        <source>Word or phrase to filter</source>
        <translation>Zu filterndes Wort oder Wendung</translation>
    </message>
    <message>
        <source>Collapse behind a warning instead of hiding</source>
        <translation>Hinter einer Warnung einklappen statt ausblenden</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Stummschaltung aufheben</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Muted {0}</source>
        <translation>{0} stummgeschaltet</translation>
    </message>
    <message>
        <source>Filter added</source>
        <translation>Filter hinzugefügt</translation>
    </message>
    <message>
        <source>Your posts and messages</source>
        <translation>Deine Beiträge und Nachrichten</translation>
    </message>
    <message>
        <source>Accounts you follow</source>
        <translation>Konten, denen du folgst</translation>
    </message>
    <message>
        <source>Two hops away</source>
        <translation>Zwei Schritte entfernt</translation>
    </message>
    <message>
        <source>Communities</source>
        <translation>Gemeinschaften</translation>
    </message>
    <message>
        <source>No longer replicated</source>
        <translation>Nicht mehr repliziert</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>Speicher</translation>
    </message>
    <message>
        <source>Your own data and the accounts you follow are always kept. What others bring (two hops away, communities) has a budget: beyond it the oldest posts&apos; text and others&apos; pictures are dropped here, and the logs still verify.</source>
        <translation>Deine eigenen Daten und die der Konten, denen du folgst, bleiben immer erhalten. Was andere mitbringen (zwei Schritte entfernt, Gemeinschaften), hat ein Budget: Darüber hinaus werden hier die Texte der ältesten Beiträge und Bilder anderer verworfen, und die Logs lassen sich weiter prüfen.</translation>
    </message>
    <message>
        <source>Budget for others</source>
        <translation>Budget für andere</translation>
    </message>
    <message>
        <source>At most per account</source>
        <translation>Höchstens pro Konto</translation>
    </message>
    <message>
        <source>Applying…</source>
        <translation>Wird übernommen…</translation>
    </message>
    <message>
        <source>{0} accounts; posts and entries {1}, pictures {2}</source>
        <translation>{0} Konten; Beiträge und Einträge {1}, Bilder {2}</translation>
    </message>
    <message>
        <source>Others use {0} of {1}.</source>
        <translation>Andere belegen {0} von {1}.</translation>
    </message>
    <message>
        <source>{0} old posts were dropped to stay within it.</source>
        <translation>{0} alte Beiträge wurden verworfen, um darin zu bleiben.</translation>
    </message>
    <message>
        <source>Saved. What is over the budget was dropped, oldest first.</source>
        <translation>Gespeichert. Was über dem Budget lag, wurde verworfen, das Älteste zuerst.</translation>
    </message>
    <message>
        <source>Not kept on this computer (storage budget).</source>
        <translation>Auf diesem Computer nicht behalten (Speicherbudget).</translation>
    </message>
</context>
</TS>
