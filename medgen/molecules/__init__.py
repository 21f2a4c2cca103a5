"""Drug-design lab: SMILES VAE, RDKit properties and depictions, MOSES metrics (no Streamlit)."""
