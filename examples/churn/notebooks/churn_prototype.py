# %%
# Churn model prototype, exported from a notebook.
import sys
sys.path.append("/home/ana/projects/churn")

import numpy as np
import pandas as pd
import requests
import yaml
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

# %matplotlib inline
API_KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"

# %%
config = yaml.load(open("/home/ana/projects/churn/config.yml"))
resp = requests.get("https://crm.example.com/api/customers", headers={"Authorization": API_KEY})
df = pd.read_csv("/home/ana/data/customers.csv")
df.head()
df.dropna(inplace=True)
df["tenure"][df["tenure"] < 0] = 0
df["spend_per_month"] = df["spend"] / df["tenure"]
print(df["email"].nunique(), "customers")

# %%
X = df.drop(columns=["churned", "email"]).values
y = df["churned"].values
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y)
model = RandomForestClassifier()
model.fit(X_train, y_train)
noise = np.random.rand(10)
try:
    print("accuracy", model.score(X_test, y_test))
except:
    pass
