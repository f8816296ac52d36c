<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>That passphrase does not open this home</source>
        <comment>Unlock</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Avatar of {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image {0} could not be read: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Describe the image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Description of image {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove image {0} ({1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unreadable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel the reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Content warning: shown instead of the post until someone opens it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Content warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Post text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What would you like to say?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach images (JPEG, PNG, WebP or GIF)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CW</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a content warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replying to {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reply to {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The draft was not saved: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} too many</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} characters left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The post is {0} characters; the limit is {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A post has at most {0} images.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Images ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A post has at most {0} images; the rest were left out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings not saved: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing here yet — follow someone from People, or write your first post.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Home timeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No description</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An image without a description</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ({0} of {1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This image is not available: no one who has it is connected, or it cannot be read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This image could not be loaded: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} mentioned you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} replied to your post</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} reacted {1} to your post</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} followed you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This post was deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Content warning: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unread</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No notifications yet. When someone mentions you, replies to you, reacts to your posts or follows you, it shows here.</source>
        <translation type="unfinished"></translation>
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
        <translation>Freiwillig</translation>
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
        <source>The 24 words, in order</source>
        <translation>Die 24 Wörter, in der richtigen Reihenfolge</translation>
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
        <source>This backup is protected by a passphrase: enter it below</source>
        <translation>Diese Sicherung ist mit einer Passphrase geschützt: Gib sie unten ein</translation>
    </message>
    <message>
        <source>The two passphrases are not the same</source>
        <translation>Die beiden Passphrasen sind nicht gleich</translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online: connected to 1 peer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online: connected to {0} peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online: no peer connected yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting the network…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The network is stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused for a while</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} · nearby</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>up to date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>received {0} · sent {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>they will be reached when the network is on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another device of your account — {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Following {0} — {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You already follow {0} — {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your invite</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send this code to someone, or let them scan it: their app connects to yours and follows you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your invite code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy your invite code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your invite as a QR code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join with a code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste the invite code someone sent you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite code to join</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join with this code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody here yet. People on the same network appear here by themselves; to reach someone elsewhere, send them your invite.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nearby</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Known</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peers could not be read: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An invite is ready once you are online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(QR code not available)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite copied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste an invite code first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Joining…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not follow: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1m</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1d</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide post</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show post</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>React…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Image not available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>edited</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>just now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>content warning: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Posts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follows you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the account id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the account id, to mention or find this person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account id copied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Block</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No posts yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Posts of {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unfollow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unfollow {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unblock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unblock {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Block {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Block {0}?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Block {0}? You will no longer see their posts, replies or notifications, and this home stops carrying their entries. You can unblock them later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>People</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the profile of {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search posts, #tags and people</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Posts found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search posts by words or #tags, and people by name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No posts match “{0}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No results for “{0}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} is not an image this app can read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a picture…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the picture…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the profile to use this picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile saved; your followers get it at their next sync</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Security</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat the new one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave both new fields empty to remove the passphrase: anyone with this computer could then act as you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your recovery phrase brings your account back on a new computer. Show it only where nobody can see your screen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase to show the recovery phrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show recovery phrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>None set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two new passphrases are not the same</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type the new passphrase twice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sealing your keys…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase removed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That is not your current passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening your keys…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That is not your passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replication hops</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listen port, 0 for automatic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find people on this local network, and be found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Relay for friends who cannot be reached directly</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Carry posts of people up to this many follows away</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listen port (0 = automatic)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applying restarts the network: connections drop for a moment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply the network settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restarting the network…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applied: the network is online again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The network is offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Theme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some text changes language only after a restart.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The theme applies at the next start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Desktop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep running in the system tray when the window closes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your desktop has no system tray</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show desktop notifications for mentions, replies and reactions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A backup holds your keys (sealed with your passphrase, if you set one), your posts and everything you carry. Restore it from the first screen of a new installation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export backup…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing the backup…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {0} entries and {1} images ({2}) to {3}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the conversation…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open p2psocial</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New post</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p2psocial: {0} unread</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} mentioned you: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} replied: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} did something that concerns you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>and {0} more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} new notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome back</source>
        <comment>Unlock</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your passphrase to open your home.</source>
        <comment>Unlock</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase</source>
        <comment>Unlock</comment>
        <translation type="unfinished">Passphrase</translation>
    </message>
    <message>
        <source>Open</source>
        <comment>Unlock</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type your passphrase first</source>
        <comment>Unlock</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening…</source>
        <comment>Unlock</comment>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QrCode</name>
    <message>
        <source>QR code</source>
        <translation>QR-Code</translation>
    </message>
    <message>
        <source>A code to scan with a phone or a webcam</source>
        <translation>Ein Code zum Scannen mit einem Telefon oder einer Webcam</translation>
    </message>
</context>
</TS>
