package scalelab.fitting;

import java.util.List;

/**
 * What Approach 2 fitted: one parabola per budget and the power laws of the vertices against compute,
 * N*(C) = k·C^a, D*(C) = m·C^b and the vertex loss L*(C) = l·C^γ (γ &lt; 0).
 */
public record Approach2Details(List<BudgetParabola> budgets, PowerLaw paramsLaw, PowerLaw tokensLaw,
                               PowerLaw vertexLossLaw) {
    public Approach2Details {
        budgets = List.copyOf(budgets);
    }
}
