package scalelab.cli.fit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.FitInputException;
import scalelab.fitting.Observation;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.RunTable;
import scalelab.registry.io.RunTableReader;

/**
 * The runs a fit command works on: read through {@link RunTableReader}, optionally cut at a maximum budget, grouped
 * into IsoFLOP budgets (by the budget column, else by clustering log10 of 6·N·D or the flops column), with a way to
 * turn the fitters' complaints into "FILE:LINE: problem" messages.
 */
record FitInputs(Path file, List<RunTable.Row> rows, List<Observation> observations, BudgetGrouping grouping,
                 boolean clustered) {

    static FitInputs load(Path file, Double maxBudget) {
        return load(file, maxBudget, null);
    }

    /**
     * @param where null, or "COLUMN=VALUE": only the rows whose text column equals VALUE (e.g. one data set of a file
     *              holding several, {@code dataset=rpj})
     */
    static FitInputs load(Path file, Double maxBudget, String where) {
        RunTable table = RunTableReader.read(file);
        String column = null, value = null;
        if (where != null) {
            int eq = where.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--where must be COLUMN=VALUE, got '" + where + "'");
            }
            column = where.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            value = where.substring(eq + 1).trim();
            boolean known = false;
            for (RunTable.Row r : table.rows()) {
                known |= r.extra().containsKey(column);
            }
            if (!known) {
                throw new InputFormatException(file, 0, column, "--where names column '" + column + "', which the file does not have");
            }
        }
        List<RunTable.Row> rows = new ArrayList<>();
        for (RunTable.Row r : table.rows()) {
            boolean inBudget = maxBudget == null || r.observation().flops() <= maxBudget * (1 + 1e-9);
            boolean selected = column == null || value.equals(r.extra().get(column));
            if (inBudget && selected) {
                rows.add(r);
            }
        }
        if (rows.isEmpty()) {
            throw new InputFormatException(file, 0, null, where != null ? "no runs with " + where
                    : String.format(Locale.ROOT, "no runs at or below --max-budget %.3e", maxBudget));
        }
        // The registry's order too, so a file and its import fit and forecast to the same numbers (issue 16).
        rows.sort((a, b) -> Observation.CANONICAL_ORDER.compare(a.observation(), b.observation()));
        RunTable kept = new RunTable(table.source(), rows, table.budgetColumn(), table.contentSha256());
        boolean byLabel = "budget".equals(table.budgetColumn());
        return new FitInputs(file, List.copyOf(rows), kept.observations(), kept.budgetGrouping(), !byLabel);
    }

    /**
     * When a text column tells apart runs of the same size in the same budget, and each of its values spans several
     * budgets, the file holds several ladders (data sets, say) that would be fitted as one: a warning naming the
     * column, its values and the {@code --where} that picks one; null otherwise. Replicates (seeds) and per-run ids
     * do not qualify: numbers are not categories, and an id spans one budget.
     */
    String severalLadders() {
        java.util.Map<String, java.util.Map<String, java.util.Set<String>>> valuesAt = new java.util.TreeMap<>();
        java.util.Map<String, java.util.Map<String, java.util.Set<Double>>> budgetsOf = new java.util.TreeMap<>();
        for (RunTable.Row r : rows) {
            String at = r.observation().flops() + "|" + r.observation().params();
            for (var e : r.extra().entrySet()) {
                String v = e.getValue();
                if (v == null || v.isBlank() || scalelab.registry.io.Decimals.isDecimal(v)) {
                    continue;
                }
                valuesAt.computeIfAbsent(e.getKey(), k -> new java.util.HashMap<>())
                        .computeIfAbsent(at, k -> new java.util.TreeSet<>()).add(v);
                budgetsOf.computeIfAbsent(e.getKey(), k -> new java.util.TreeMap<>())
                        .computeIfAbsent(v, k -> new java.util.HashSet<>()).add(r.observation().flops());
            }
        }
        for (var c : valuesAt.entrySet()) {
            var values = budgetsOf.get(c.getKey());
            boolean splitsASize = c.getValue().values().stream().anyMatch(v -> v.size() > 1);
            boolean categories = values.size() > 1 && values.values().stream().allMatch(b -> b.size() > 1);
            if (splitsASize && categories) {
                List<String> names = new ArrayList<>(values.keySet());
                String shown = names.size() <= 6 ? String.join(", ", names)
                        : String.join(", ", names.subList(0, 6)) + ", … (" + names.size() + " values)";
                return String.format(Locale.ROOT, "%s: column '%s' tells apart runs of the same size and budget (%s): "
                        + "the file holds several ladders, fitted here as one — pick one with --where %s=%s",
                        file.getFileName(), c.getKey(), shown, c.getKey(), names.get(0));
            }
        }
        return null;
    }

    /**
     * A ladder's finished runs from the registry, as {@code forecast --ladder} reads them: the dense family of a mixed
     * ladder (else every run), in canonical order, grouped by budget. A database that does not exist is named, not
     * created. Rows carry line 0 and the run's id as name (a fitter's complaint names the run).
     */
    static FitInputs fromRegistry(String dbOption, String ladder, Double maxBudget) {
        Path db = scalelab.registry.Registry.resolvePath(dbOption);
        if (!java.nio.file.Files.isRegularFile(db)) {
            throw new IllegalArgumentException("no registry database at " + db.toAbsolutePath().normalize()
                    + " (give --db FILE, or a runs file instead of --ladder)");
        }
        scalelab.registry.ObservationSet set;
        try (scalelab.registry.Registry registry = scalelab.registry.Registry.open(db)) {
            String name = scalelab.cli.registry.LadderChoice.require(registry, ladder, "--ladder");
            scalelab.registry.ObservationSet dense = registry.observationSet(name, "dense");
            set = (dense.observations().isEmpty() ? registry.observationSet(name) : dense).canonicalOrder();
            if (set.observations().isEmpty()) {
                throw new IllegalArgumentException("no finished runs in ladder " + name + " of " + registry.file()
                        + " (known ladders: " + String.join(", ", registry.ladders()) + ")");
            }
        }
        List<RunTable.Row> rows = new ArrayList<>();
        for (int i = 0; i < set.observations().size(); i++) {
            Observation o = set.observations().get(i);
            if (maxBudget == null || o.flops() <= maxBudget * (1 + 1e-9)) {
                rows.add(new RunTable.Row(0, o, "run " + set.runIds().get(i), java.util.Map.of()));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "no runs of ladder %s at or below --max-budget %.3e", ladder, maxBudget));
        }
        List<Observation> obs = rows.stream().map(RunTable.Row::observation).toList();
        return new FitInputs(db, List.copyOf(rows), obs, BudgetGrouping.byLabel(obs), false);
    }

    /** The runs a command names: FILE, or --ladder NAME [--db FILE] from the registry; exactly one of the two. */
    static FitInputs fileOrLadder(Path file, String ladder, String db, Double maxBudget, String where) {
        if (file != null && (ladder != null || db != null)) {
            throw new IllegalArgumentException("give either FILE.csv or --ladder NAME [--db FILE], not both");
        }
        if (file != null) {
            return load(file, maxBudget, where);
        }
        if (ladder == null && db == null) {
            throw new IllegalArgumentException("give a runs file (FILE.csv) or --ladder NAME [--db FILE]");
        }
        if (where != null) {
            throw new IllegalArgumentException("--where applies to files only");
        }
        return fromRegistry(db, ladder, maxBudget);
    }

    /** The same inputs without the k runs of highest loss (Epoch's outlier protocol for Approach 3). */
    static FitInputs dropHighest(FitInputs in, int k) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < in.rows().size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(in.observations().get(b).loss(), in.observations().get(a).loss()));
        java.util.Set<Integer> drop = new java.util.HashSet<>(order.subList(0, Math.min(k, order.size())));
        List<RunTable.Row> rows = new ArrayList<>();
        for (int i = 0; i < in.rows().size(); i++) {
            if (!drop.contains(i)) {
                rows.add(in.rows().get(i));
            }
        }
        List<Observation> obs = rows.stream().map(RunTable.Row::observation).toList();
        BudgetGrouping g = in.clustered() ? BudgetGrouping.cluster(obs, BudgetGrouping.DEFAULT_GAP_DECADES)
                : BudgetGrouping.byLabel(obs);
        return new FitInputs(in.file(), List.copyOf(rows), obs, g, in.clustered());
    }

    /** Runs a fit, re-raising a {@link FitInputException} with this file and the offending run's line. */
    <T> T located(Supplier<T> fit) {
        try {
            return fit.get();
        } catch (FitInputException e) {
            int i = e.observationIndex();
            if (i >= 0 && i < rows.size() && rows.get(i).line() == 0 && rows.get(i).name() != null) {
                throw new IllegalArgumentException(file + ": " + rows.get(i).name() + ": " + e.getMessage()); // a registry run
            }
            int line = i >= 0 && i < rows.size() ? rows.get(i).line() : 0;
            throw new InputFormatException(file, line, null, e.getMessage());
        }
    }
}
