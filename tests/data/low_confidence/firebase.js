const firebaseConfig = {
  databaseURL: "https://rs1hy8iy4-7f3a1.firebaseio.com",
  projectId: "orbit-notes",
};
fetch("https://fwmr44m1v-default-rtdb.firebaseio.com/users.json?print=pretty");
const other = 'https://<your-project>.firebaseio.com';
const templated = `https://${PROJECT_ID}.firebaseio.com`;
// See https://firebase.google.com/docs/database for the rules.
export const DB = "hfgrr1wy3.firebaseio.com";
