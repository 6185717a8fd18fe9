package scalelab.registry;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The signing keys and the record of filed heads, kept OUTSIDE the database: whoever can write the database file
 * alone can neither sign an entry nor erase what this machine remembers having filed.
 *
 * <p>Layout of the directory ({@code -Dscalelab.keys}, else {@code $SCALELAB_KEYS}, else
 * {@code ~/.config/scalelab/keys}; created 0700):
 * <ul>
 *   <li>{@code <author>.key} — the author's Ed25519 key pair (0600), created on the author's first filing;</li>
 *   <li>{@code <author>.pub} — its public half (what the export publishes; copy others' here to trust them);</li>
 *   <li>{@code heads} — for each database file this machine filed into, the last entry it filed (seq and hash);</li>
 *   <li>{@code forgotten} — heads cleared by {@code ledger forget} when a database was replaced on purpose: when, which
 *   file, which entry, and the reason given (appended, never rewritten).</li>
 * </ul>
 * Public keys travel as the Base64 of their X.509 encoding; signatures as Base64.
 */
public final class LedgerKeys {
    public static final String DIR_ENV = "SCALELAB_KEYS";
    public static final String DIR_PROPERTY = "scalelab.keys";
    static final String ALGORITHM = "Ed25519";

    private final Path dir;

    public LedgerKeys(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The system property scalelab.keys (-D, the most specific), else $SCALELAB_KEYS, else ~/.config/scalelab/keys. */
    public static LedgerKeys defaults() {
        String prop = System.getProperty(DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return new LedgerKeys(Path.of(prop));
        }
        String env = System.getenv(DIR_ENV);
        if (env != null && !env.isBlank()) {
            return new LedgerKeys(Path.of(env));
        }
        return new LedgerKeys(Path.of(System.getProperty("user.home"), ".config", "scalelab", "keys"));
    }

    public Path dir() {
        return dir;
    }

    /** A signing identity: the author, the private key and the public key as published. */
    public record Signer(String author, PrivateKey privateKey, String publicKey) {
        public String sign(String canonicalContent) {
            try {
                Signature s = Signature.getInstance(ALGORITHM);
                s.initSign(privateKey);
                s.update(canonicalContent.getBytes(StandardCharsets.UTF_8));
                return Base64.getEncoder().encodeToString(s.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot sign with " + ALGORITHM + ": " + e.getMessage(), e);
            }
        }
    }

    /** The author's key file name: the author with anything but letters, digits, '.', '-' and '_' replaced by '_'. */
    static String fileStem(String author) {
        String s = author.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.startsWith(".") ? "_" + s : s;
    }

    public Path keyFile(String author) {
        return dir.resolve(fileStem(author) + ".key");
    }

    /** The author's signer, creating the key pair (0600, in a 0700 directory) on first use. */
    public synchronized Signer signer(String author) {
        Path file = keyFile(author);
        try {
            if (!Files.exists(file)) {
                createDir();
                KeyPair kp = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
                Properties p = new Properties();
                p.setProperty("author", author);
                p.setProperty("algorithm", ALGORITHM);
                p.setProperty("private", Base64.getEncoder().encodeToString(kp.getPrivate().getEncoded()));
                p.setProperty("public", Base64.getEncoder().encodeToString(kp.getPublic().getEncoded()));
                Path tmp = Files.createTempFile(dir, ".key-", ".tmp");
                restrict(tmp, "rw-------");
                try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    p.store(w, "scalelab ledger signing key of " + author + ": keep it private (never in the database)");
                }
                try {
                    // A hard link never replaces: if another process created the key meanwhile, its key wins and ours
                    // is dropped (a rename would silently replace a key that may already have signed entries).
                    Files.createLink(file, tmp);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // the other process's key stands
                } catch (UnsupportedOperationException e) {
                    Files.move(tmp, file);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            Properties p = load(file);
            String priv = p.getProperty("private"), pub = p.getProperty("public");
            if (priv == null || pub == null) {
                throw new IllegalStateException("key file " + file + " has no private/public key: restore it from a backup");
            }
            Path pubFile = dir.resolve(fileStem(author) + ".pub");
            if (!Files.exists(pubFile)) {
                Files.writeString(pubFile, pub + "\n");
            }
            PrivateKey key = KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(priv)));
            return new Signer(author, key, pub);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot use the signing key of " + author + " in " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Public keys this machine trusts, with whose they are: the public halves of the key pairs here and every
     * {@code *.pub} file (the authors' keys copied from their exports).
     */
    public Map<String, String> trustedKeys() {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : new java.util.TreeSet<>(iterable(ds))) {
                String name = f.getFileName().toString();
                if (name.endsWith(".key")) {
                    Properties p = load(f);
                    if (p.getProperty("public") != null) {
                        out.putIfAbsent(p.getProperty("public").strip(), p.getProperty("author", name));
                    }
                } else if (name.endsWith(".pub")) {
                    String k = Files.readString(f).strip();
                    if (!k.isEmpty()) {
                        out.putIfAbsent(k, name.substring(0, name.length() - 4));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the keys in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The authors whose key pairs are on this machine, with their public keys. */
    public Map<String, String> ownKeys() {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.key")) {
            for (Path f : ds) {
                Properties p = load(f);
                if (p.getProperty("author") != null && p.getProperty("public") != null) {
                    out.put(p.getProperty("author"), p.getProperty("public").strip());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the keys in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static java.util.List<Path> iterable(DirectoryStream<Path> ds) {
        java.util.List<Path> l = new java.util.ArrayList<>();
        ds.forEach(l::add);
        return l;
    }

    /** Whether {@code signature} (Base64) is a valid Ed25519 signature of {@code content} by {@code publicKey} (Base64 X.509). */
    public static boolean verify(String publicKey, String content, String signature) {
        if (publicKey == null || signature == null) {
            return false;
        }
        try {
            PublicKey k = KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicKey)));
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(k);
            s.update(content.getBytes(StandardCharsets.UTF_8));
            return s.verify(Base64.getDecoder().decode(signature));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false; // a malformed key or signature is simply not a valid signature
        }
    }

    /** A short printable name of a public key: the first 16 hex digits of its SHA-256. */
    public static String fingerprint(String publicKey) {
        return Prediction.sha256(publicKey).substring(0, 16);
    }

    // ---------------------------------------------------------------- heads

    /**
     * The last entry this machine filed (or saw when the database was upgraded) in one database.
     *
     * @param seq  ledger position of that entry
     * @param hash its entry hash
     */
    public record Head(long seq, String hash) {}

    /** The head recorded for {@code db}, if this machine recorded one. */
    public synchronized Optional<Head> head(Path db) {
        return Optional.ofNullable(heads().get(key(db))).map(LedgerKeys::parseHead);
    }

    /** One JVM may not hold two locks on the same file (OverlappingFileLockException): registries take turns here first. */
    private static final Object HEADS_LOCK = new Object();

    /** Records {@code head} as the last entry this machine filed in {@code db} (atomically, under a file lock). */
    public void recordHead(Path db, Head head) {
        underHeadsLock("cannot record the ledger head in " + dir.resolve("heads"), () -> {
            Map<String, String> all = heads();
            Head old = all.containsKey(key(db)) ? parseHead(all.get(key(db))) : null;
            if (old == null || old.seq() <= head.seq()) { // a later head of another process of this machine stays
                all.put(key(db), head.seq() + " " + head.hash());
                storeHeads(all);
            }
            return null;
        });
    }

    /**
     * Clears {@code db}'s head record after its database was replaced on purpose, appending the head, the time and
     * {@code reason} to {@code forgotten} first: the machine's memory of what it filed is set aside on the record,
     * never silently.
     */
    public Optional<Head> forgetHead(Path db, String reason, java.time.Instant when) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("give the reason the database was replaced");
        }
        return underHeadsLock("cannot update " + dir.resolve("heads"), () -> {
            Map<String, String> all = heads();
            String recorded = all.remove(key(db));
            if (recorded == null) {
                return Optional.empty();
            }
            Head head = parseHead(recorded);
            Files.writeString(dir.resolve("forgotten"), when + "\t" + key(db) + "\t" + head.seq() + "\t" + head.hash()
                            + "\t" + reason.strip().replaceAll("\\s+", " ") + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            storeHeads(all);
            return Optional.of(head);
        });
    }

    private interface HeadsUpdate<T> {
        T apply() throws IOException;
    }

    /** Runs {@code update} holding this JVM's turn and the machine-wide file lock on the heads; {@code failure} prefixes an I/O error. */
    private <T> T underHeadsLock(String failure, HeadsUpdate<T> update) {
        synchronized (HEADS_LOCK) {
            try {
                createDir();
                try (FileChannel lockCh = FileChannel.open(dir.resolve("heads.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock lock = lockCh.lock()) {
                    return update.apply();
                }
            } catch (IOException e) {
                throw new IllegalStateException(failure + ": " + e.getMessage(), e);
            }
        }
    }

    /** Where {@link #forgetHead} keeps what it cleared. */
    public Path forgottenFile() {
        return dir.resolve("forgotten");
    }

    /** Replaces the heads file (atomically where the file system can), under the caller's lock. */
    private void storeHeads(Map<String, String> all) throws IOException {
        Properties p = new Properties();
        all.forEach(p::setProperty);
        Path tmp = Files.createTempFile(dir, ".heads-", ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "scalelab: the last ledger entry this machine filed in each database (seq hash)");
        }
        try {
            Files.move(tmp, dir.resolve("heads"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve("heads"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private Map<String, String> heads() {
        Path f = dir.resolve("heads");
        Map<String, String> out = new TreeMap<>();
        if (Files.exists(f)) {
            load(f).forEach((k, v) -> out.put(k.toString(), v.toString()));
        }
        return out;
    }

    private static Head parseHead(String v) {
        String[] parts = v.strip().split("\\s+");
        if (parts.length != 2) {
            throw new IllegalStateException("malformed head record '" + v + "'");
        }
        return new Head(Long.parseLong(parts[0]), parts[1]);
    }

    private static String key(Path db) {
        return db.toAbsolutePath().normalize().toString();
    }

    private void createDir() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            restrict(dir, "rwx------");
        }
    }

    private static void restrict(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): its ACLs are the user's to set.
        }
    }

    private static Properties load(Path f) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + f + ": " + e.getMessage(), e);
        }
        return p;
    }
}
